#!/usr/bin/env python3
"""Trains and measures Backchat's crisis backstop model (see docs/safety.md, "The crisis backstop").

A logistic regression over hashed features of the words the safety scan reads: word
unigrams and bigrams, and character 3-5-grams of the words joined by spaces. Every
feature occurrence has the value 1/sqrt(N) (N = features in the message), so a long
message does not score high just for being long. Python 3 standard library only;
deterministic (fixed seed, fixed order); trains in seconds.

The model is used only where the rules find nothing: a score at or above the threshold
makes the scan report a *possible* crisis, which asks one gentle check question.

Training data: the repository's own labelled lines, crisis against everything else:
  Tests/SafetyCorpus/corpus.tsv, probes.tsv, training-extra.tsv, and the answers the dialogs
  offer (choice labels and synonyms in Dialogs/en, as `none`).
Never holdout.tsv or any other measurement set. The inputs of the shipped transcripts
(Tests/Transcripts) are not trained on either: they measure how often the model would
interrupt a real conversation.

Measurement: grouped 10-fold cross-validation (a corpus section never straddles two folds)
and leave-one-source-out; both give every line a score from a model that never saw it.
Rules alone against rules + model needs what the rules find on every line, which
`backchat safety-eval --lines --no-model` prints. The threshold is the lowest logit at which
the model adds at most 1 % of the `none` lines as check questions under both schemes.

Usage (from the package root):
  swift build --scratch-path .build
  python3 Tools/safety-model/train.py --rules-from .build/debug/backchat
        # cross-validate, choose the threshold, train on everything, export, measure
  python3 Tools/safety-model/train.py --threshold 2.5 --no-export   # measure at another threshold
  python3 Tools/safety-model/train.py --check-only         # only re-score the check texts

Outputs:
  Dialogs/en/lexicon/crisis-model.tsv      the model (header, then `bucket<TAB>weight` lines)
  Tests/Fixtures/safety-model/check.tsv    texts with the logit the trainer computes, for the
                                           Swift cross-check test
"""

import argparse
import hashlib
import math
import os
import random
import subprocess
import sys
import unicodedata

# ---------------------------------------------------------------------------
# Settings. Changing any of them changes the model file; all are written in its header.

SEED = 20261125
BUCKETS_LOG2 = 18          # 262 144 hashed buckets
CHAR_NGRAMS = (3, 4, 5)
EPOCHS = 12
LEARNING_RATE = 0.4        # AdaGrad
L2 = 1e-5                  # per update, on the weights touched
WEIGHT_SCALE_LOG2 = 12     # weights are stored as integers times 2^-12
PRUNE = 8                  # stored weights with |integer| below this are dropped (|w| < 0.002)
FOLDS = 10
GROUP_CHUNK = 25           # a section longer than this is cut into runs of this many lines
TARGET_ADDED_FP = 0.01     # at most 1 % of `none` lines may newly get a check question

TRAINING_FILES = ["Tests/SafetyCorpus/corpus.tsv", "Tests/SafetyCorpus/probes.tsv",
                  "Tests/SafetyCorpus/training-extra.tsv"]
# The answers the dialogs offer (choice labels and synonyms), as `none` lines: most of what
# people type is an answer to a question, and a check question on "staying active" is wrong.
# Not the answers of the flows that ask about safety or suicidal thoughts ("No, I'm not safe"),
# nor answers with words that typed on their own could be a disclosure ("hurt myself").
DIALOGS_DIR = "Dialogs/en"
CHOICES = "dialog choices"
CHOICES_SKIP_DIRS = ("lexicon", "safety")
CHOICES_SKIP_FILES = ("coping_check.yaml",)
CHOICES_SKIP_WORDS = ("myself", "safe", "harm", "hurt", "end it", "die", "dead", "life")
FORBIDDEN = ("holdout", "fresh-", "sealed-")
MODEL_PATH = "Dialogs/en/lexicon/crisis-model.tsv"
CHECK_PATH = "Tests/Fixtures/safety-model/check.tsv"

# ---------------------------------------------------------------------------
# Words: a port of SafetyText (Sources/BackchatEngine/Safety/SafetyText.swift), which the
# Swift side uses. Exact for ASCII text (nearly everything people type); for other text it
# follows the same steps (NFKC, case, accents, apostrophes), which the check texts cover.

UNITS = {"kg", "kgs", "kilo", "kilos", "lb", "lbs", "st", "stone", "km", "kms", "mi", "ft", "m", "cm", "mg", "ml",
         "yo", "yr", "yrs", "wk", "wks", "hr", "hrs", "am", "pm", "c", "f", "x", "mins", "min", "days", "weeks",
         "months", "years"}
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t"}


def split_unit(word):
    if not word or not word[0].isdigit():
        return [word]
    k = next((i for i, c in enumerate(word) if c.isalpha()), None)
    if k is None:
        return [word]
    number, unit = word[:k], word[k:]
    if unit in UNITS and all(c.isdigit() or c == "." for c in number):
        return [number, unit]
    return [word]


def ascii_words(text):
    """SafetyText's byte path, words only."""
    b = text.lower()
    n = len(b)
    words = []
    runs = []  # [char, count]

    def is_letter(c):
        return "a" <= c <= "z"

    def is_digit(c):
        return "0" <= c <= "9"

    def letter_at(k):
        return 0 <= k < n and is_letter(b[k])

    def flush():
        if not runs:
            return
        folded = []
        for ch, count in runs:
            digit = is_digit(ch) or ch == "."
            folded.append(ch * (count if digit else min(count, 2)))
        runs.clear()
        w = "".join(folded).rstrip(".")
        if w:
            words.extend(split_unit(w))

    def add(c):
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])

    for k in range(n):
        c = b[k]
        prev_digit = k > 0 and is_digit(b[k - 1])
        next_digit = k + 1 < n and is_digit(b[k + 1])
        if letter_at(k - 1) and letter_at(k + 1) and c in LEET:
            c = LEET[c]
        if is_letter(c) or is_digit(c):
            add(c)
        elif c == "*":
            p = k - 1
            while p >= 0 and b[p] == "*":
                p -= 1
            q = k + 1
            while q < n and b[q] == "*":
                q += 1
            if not (letter_at(p) and letter_at(q)):
                flush()
        elif c in "'`":
            pass
        elif c in ".,":
            if prev_digit and next_digit:
                add(".")
            else:
                flush()
        else:
            flush()
    flush()
    return words


APOSTROPHES = {"\u2018", "\u2019", "\u201B", "\u2032", "\u02BC", "`", "\u00B4"}


def fold(text):
    """TextNormalizer.fold: NFKC, no accents, apostrophes and dashes unified, lower case."""
    s = unicodedata.normalize("NFKC", text)
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    s = unicodedata.normalize("NFC", s).casefold()
    out = []
    for c in s:
        if c in APOSTROPHES:
            out.append("'")
        elif "\u2010" <= c <= "\u2015" or c == "\u2212":
            out.append("-")
        else:
            out.append(c)
    return "".join(out).lower()


def is_number(c):
    return c.isnumeric()


def normalizer_words(text):
    """TextNormalizer.words on non-ASCII text."""
    words, current = [], []
    last, run = None, 0
    for ch in fold(text):
        if ch.isalpha() or is_number(ch):
            if ch == last:
                run += 1
            else:
                run, last = 1, ch
            if run <= 2 or is_number(ch):
                current.append(ch)
        elif ch == "'":
            continue
        elif ch in ".," and current and is_number(current[-1]):
            current.append(".")
            last, run = ch, 1
        else:
            if current:
                words.append("".join(current))
                current = []
            run, last = 0, None
    if current:
        words.append("".join(current))
    return [w for w in (w.rstrip(".") for w in words) if w]


def deobfuscate(s):
    if not any(c in "*@$" or c.isnumeric() for c in s):
        return s
    out = []
    for k, c in enumerate(s):
        prev_letter = k > 0 and s[k - 1].isalpha()
        next_letter = k + 1 < len(s) and s[k + 1].isalpha()
        if c == "*":
            p = k - 1
            while p >= 0 and s[p] == "*":
                p -= 1
            f = k + 1
            while f < len(s) and s[f] == "*":
                f += 1
            if p >= 0 and s[p].isalpha() and f < len(s) and s[f].isalpha():
                continue
            out.append(" ")
        elif c in LEET and prev_letter and next_letter:
            out.append(LEET[c])
        else:
            out.append(c)
    return "".join(out)


def unicode_words(folded):
    """SafetyText's general path, words only."""
    words, piece = [], []

    def flush():
        if piece:
            for w in normalizer_words("".join(piece)):
                words.extend(split_unit(w))
            piece.clear()

    chars = folded
    for k, c in enumerate(chars):
        prev_digit = k > 0 and chars[k - 1].isnumeric()
        next_digit = k + 1 < len(chars) and chars[k + 1].isnumeric()
        if c in "?!;\n\r\u2026":
            flush()
        elif c in ".,":
            if prev_digit and next_digit:
                piece.append(c)
            else:
                flush()
        elif c in "():\"\u201C\u201D":  # fold() has already made every dash a '-'
            flush()
        elif c == "-":
            spaced = (k == 0 or chars[k - 1].isspace()) and (k + 1 == len(chars) or chars[k + 1].isspace())
            if spaced:
                flush()
            else:
                piece.append(c)
        else:
            piece.append(c)
    flush()
    return words


def safety_words(text):
    folded = fold(text) if any(ord(c) >= 0x80 for c in text) else text.lower()
    if all(ord(c) < 0x80 for c in folded):
        return ascii_words(folded)
    return unicode_words(deobfuscate(folded))


# ---------------------------------------------------------------------------
# Features: FNV-1a (32 bit) of a one-letter kind and the feature's UTF-8 bytes.

FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193


def fnv(kind, data):
    h = FNV_OFFSET
    for byte in (kind,) + tuple(data):
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def features(words, mask=(1 << BUCKETS_LOG2) - 1):
    """Bucket indices, one per feature occurrence, in the order the Swift side makes them."""
    out = []
    encoded = [w.encode("utf-8") for w in words]
    for w in encoded:
        out.append(fnv(ord("w"), w) & mask)
    for a, b in zip(encoded, encoded[1:]):
        out.append(fnv(ord("b"), a + b" " + b) & mask)
    joined = b" " + b" ".join(encoded) + b" "
    for n in CHAR_NGRAMS:
        for i in range(len(joined) - n + 1):
            out.append(fnv(ord("c"), joined[i:i + n]) & mask)
    return out


# ---------------------------------------------------------------------------
# Data.

class Example:
    __slots__ = ("file", "line", "label", "text", "group", "feats", "y")

    def __init__(self, file, line, label, text, group):
        self.file, self.line, self.label, self.text, self.group = file, line, label, text, group
        self.feats = features(safety_words(text))
        self.y = 1 if label == "crisis" else 0


def read_corpus(path):
    """Examples with a group each: a section (a run of comment lines starts one), cut into runs
    of GROUP_CHUNK lines so near-paraphrases next to each other stay in the same fold."""
    if any(f in os.path.basename(path) for f in FORBIDDEN):
        sys.exit(f"train.py: {path} is a measurement set and must not be used for training")
    examples = []
    section, in_comment, count = 0, False, 0
    with open(path, encoding="utf-8", newline="") as f:
        for i, raw in enumerate(f.read().replace("\r\n", "\n").split("\n"), start=1):
            if not raw.strip():
                continue
            if raw.startswith("#"):
                if not in_comment:
                    section += 1
                    count = 0
                in_comment = True
                continue
            in_comment = False
            label, _, text = raw.partition("\t")
            label = label.strip().lower()
            if not text or label not in ("crisis", "emergency", "urgent", "support", "none"):
                continue
            group = f"{os.path.basename(path)}#{section}.{count // GROUP_CHUNK}"
            count += 1
            examples.append(Example(path, i, label, text, group))
    return examples


def split_list(body):
    """The items of a YAML flow list written on one line: a, "b c", 'd'."""
    items, current, quote = [], [], None
    for c in body:
        if quote:
            if c == quote:
                quote = None
            else:
                current.append(c)
        elif c in "\"'":
            quote = c
        elif c == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    items.append("".join(current).strip())
    return [i for i in items if i]


def scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def dialog_answers(directory=DIALOGS_DIR):
    """Every choice label and synonym in the dialogs (not the lexicon), once each, sorted."""
    answers = set()
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in CHOICES_SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(".yaml") or name in CHOICES_SKIP_FILES:
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                for line in f:
                    for key in ("label:", "synonyms:"):
                        k = line.find(key)
                        if k < 0 or (k > 0 and line[k - 1] not in " {,-"):
                            continue
                        rest = line[k + len(key):].strip()
                        if key == "synonyms:" and rest.startswith("["):
                            answers.update(split_list(rest[1:rest.find("]")]))
                        elif key == "label:":
                            end = rest.find(",") if rest[:1] not in "\"'" else rest.find(rest[0], 1) + 1
                            answers.add(scalar(rest[:end] if end > 0 else rest.rstrip("}").strip()))
    return sorted(a for a in answers if a and not a.startswith("{")
                  and not any(w in a.lower() for w in CHOICES_SKIP_WORDS))


def choice_examples(answers):
    # One group per initial letter, so each fold holds some answers out.
    return [Example(CHOICES, n + 1, "none", a, f"{CHOICES}#{a[0].lower()}") for n, a in enumerate(answers)]


def data_hash(paths, answers):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(os.path.basename(p).encode() + b"\0" + f.read() + b"\0")
    h.update(CHOICES.encode() + b"\0" + "\n".join(answers).encode() + b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Training: logistic regression, AdaGrad, L2 on touched weights, class-balanced.

def train(examples, seed=SEED):
    size = 1 << BUCKETS_LOG2
    w = [0.0] * size
    g2 = [1e-8] * size
    bias, bias_g2 = 0.0, 1e-8
    positives = sum(e.y for e in examples)
    negatives = len(examples) - positives
    weight = {1: len(examples) / (2.0 * max(1, positives)), 0: len(examples) / (2.0 * max(1, negatives))}
    order = list(range(len(examples)))
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for k in order:
            e = examples[k]
            if not e.feats:
                continue
            value = 1.0 / math.sqrt(len(e.feats))
            z = bias + value * sum(w[j] for j in e.feats)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            g = (p - e.y) * weight[e.y]
            bias_g2 += g * g
            bias -= LEARNING_RATE * g / math.sqrt(bias_g2)
            for j in e.feats:
                gj = g * value + L2 * w[j]
                g2[j] += gj * gj
                w[j] -= LEARNING_RATE * gj / math.sqrt(g2[j])
    return quantise(w, bias)


class Model:
    """What the model file holds: integer weights times 2^-WEIGHT_SCALE_LOG2, and a bias."""

    def __init__(self, weights, bias):
        self.weights = weights  # {bucket: integer}
        self.bias = bias
        self.scale = 2.0 ** -WEIGHT_SCALE_LOG2

    def logit(self, feats):
        """bias + scale * (sum of integer weights) / sqrt(N): exact in Swift and Python alike."""
        if not feats:
            return self.bias
        total = sum(self.weights.get(j, 0) for j in feats)
        return self.bias + self.scale * total / math.sqrt(len(feats))


def quantise(w, bias):
    scale = 2.0 ** WEIGHT_SCALE_LOG2
    weights = {}
    for j, x in enumerate(w):
        q = int(round(x * scale))
        if abs(q) >= PRUNE:
            weights[j] = q
    # The bias as printed in the file (repr round-trips a double exactly).
    return Model(weights, float(repr(bias)))


# ---------------------------------------------------------------------------
# Measurement.

def folds_by_group(examples, k=FOLDS, seed=SEED):
    groups = sorted({e.group for e in examples})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return [fold_of[e.group] for e in examples]


def out_of_fold(examples, fold_ids):
    scores = [0.0] * len(examples)
    for f in sorted(set(fold_ids)):
        model = train([e for e, i in zip(examples, fold_ids) if i != f])
        for n, (e, i) in enumerate(zip(examples, fold_ids)):
            if i == f:
                scores[n] = model.logit(e.feats)
    return scores


def read_rules(backchat, dialogs, paths, answers=()):
    """What the rules find on every line: {(file, line): (level or 'none', crisis phrase seen)}."""
    out = {}
    if answers:
        path = write_temp("none", answers)
        try:
            out.update({(CHOICES, k): v for (_, k), v in read_rules(backchat, dialogs, [path]).items()})
        finally:
            os.remove(path)
    for p in paths:
        r = subprocess.run([backchat, "safety-eval", "--dialogs", dialogs, "--corpus", p, "--lines", "--no-model"],
                           capture_output=True, text=True)
        if r.returncode == 2 or not r.stdout:
            sys.exit(f"train.py: {backchat} safety-eval --lines failed on {p}:\n{r.stderr}")
        for row in r.stdout.splitlines():
            cols = row.split("\t")
            if len(cols) < 6 or cols[0] == "line":
                continue
            out[(p, int(cols[0]))] = (cols[2], cols[5] == "yes")
    return out


def write_temp(label, texts):
    """A corpus file of `texts`, all with `label`, in the system's temporary folder; its path."""
    import tempfile
    fd, path = tempfile.mkstemp(suffix=".tsv", prefix="backchat-model-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(f"{label}\t{t}\n" for t in texts))
    return path


def transcript_inputs(directory="Tests/Transcripts/en"):
    """What people type in the shipped transcripts (not commands), once each: conversation
    answers the model never trains on, to measure how often it would interrupt a conversation."""
    inputs = set()
    for name in sorted(os.listdir(directory)):
        if name.endswith(".transcript"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                inputs.update(line[2:].rstrip("\n") for line in f if line.startswith("> ") and not line.startswith("> /"))
    return sorted(i for i in inputs if i.strip())


def measure(examples, scores, rules, threshold):
    """Rules alone against rules + model, per file and overall."""
    rows = {}
    for e, s in zip(examples, scores):
        level, crisis_seen = rules.get((e.file, e.line), ("none", False))
        model_may_speak = level == "none" and not crisis_seen
        fires = model_may_speak and s >= threshold
        # "all" is the three labelled files; the dialog answers are shown on their own.
        for key in (os.path.basename(e.file),) + (("all",) if e.file != CHOICES else ()):
            r = rows.setdefault(key, dict(crisis=0, rules_hit=0, rules_missed=0, added=0,
                                          none=0, rules_fp=0, added_fp=0, other_missed=0, other_as_crisis=0))
            if e.label == "crisis":
                r["crisis"] += 1
                if level == "crisis":
                    r["rules_hit"] += 1
                else:
                    r["rules_missed"] += 1
                    r["added"] += fires
            elif e.label == "none":
                r["none"] += 1
                r["rules_fp"] += level != "none"
                r["added_fp"] += fires
            else:
                if level == "none":
                    r["other_missed"] += 1
                    r["other_as_crisis"] += fires
    return rows


def pct(a, b):
    return f"{100.0 * a / b:.1f} %" if b else "-"


def render(rows, title):
    lines = [title,
             "  file                   crisis  rules recall          rules+model recall    rule-missed caught  "
             "none  rules FP  added FP"]
    for key in sorted(rows, key=lambda k: (k == "all", k)):
        r = rows[key]
        lines.append(f"  {key:<22}{r['crisis']:>7}  {r['rules_hit']:>4} ({pct(r['rules_hit'], r['crisis']):>7})"
                     f"      {r['rules_hit'] + r['added']:>4} ({pct(r['rules_hit'] + r['added'], r['crisis']):>7})"
                     f"      {r['added']:>3}/{r['rules_missed']:<3}       "
                     f"{r['none']:>5}  {r['rules_fp']:>3}      {r['added_fp']:>3} ({pct(r['added_fp'], r['none'])})")
    return "\n".join(lines)


def choose_threshold(examples, scores, rules):
    """The lowest logit at which the model, speaking only where the rules are silent, adds at
    most TARGET_ADDED_FP of the `none` lines as check questions (out-of-fold scores)."""
    none_scores = sorted((s for e, s in zip(examples, scores) if e.label == "none" and e.file != CHOICES
                          and rules.get((e.file, e.line), ("none", False)) == ("none", False)), reverse=True)
    total_none = sum(1 for e in examples if e.label == "none" and e.file != CHOICES)
    allowed = int(math.floor(TARGET_ADDED_FP * total_none))
    # Just above the score of the (allowed+1)-th highest silent `none` line.
    if len(none_scores) <= allowed:
        return min(none_scores, default=0.0)
    return math.nextafter(none_scores[allowed], math.inf)


def sweep(examples, scores, rules, thresholds):
    out = ["  threshold  added recall (rule-missed crisis)  added FP (none)"]
    for t in thresholds:
        a = measure(examples, scores, rules, t)["all"]
        out.append(f"  {t:9.3f}  {a['added']:>3}/{a['rules_missed']:<3} ({pct(a['added'], a['rules_missed']):>7})"
                   f"              {a['added_fp']:>3}/{a['none']} ({pct(a['added_fp'], a['none'])})")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Export.

CHECK_TEXTS = [
    "", "   ", "yes", "7/10", "I want to die", "i dont see the point in being around much longer",
    "this pain is killing me", "I\u2019m not suicidal, just tired", "I CAN\u2019T DO THIS ANYMORE",
    "su1cidal again", "s*icide", "sooooo tired of everything", "walked 5kms today, 6kg lighter",
    "caf\u00e9 with my wife, feeling better", "\uff49 want to disappear", "self-harm \u2014 again?",
    "my temp is 38.5 and my back aches", "i won't be here next week; we're on holiday",
    "it\u2019s fine\u2026 honestly", "\u00bd way through physio \U0001F642",
]


def write_model(model, threshold, digest, counts, path=MODEL_PATH):
    lines = [
        "# Backchat crisis backstop model: logistic regression on hashed features of the words",
        "# the safety scan reads. Made by Tools/safety-model/train.py; do not edit by hand.",
        f"# data sha256 {digest}: " + ", ".join(os.path.basename(p) for p in TRAINING_FILES)
        + f", the {CHOICES} in {DIALOGS_DIR} (see train.py)",
        f"# {counts[0]} crisis lines against {counts[1]} other lines; seed {SEED}, {EPOCHS} epochs, "
        f"AdaGrad rate {LEARNING_RATE}, L2 {L2}",
        "# features: word 1-2-grams, character 3-5-grams; FNV-1a 32 bit of kind letter + UTF-8 bytes",
        "# logit = bias + scale * (sum of weights of every feature occurrence) / sqrt(occurrences)",
        "format\tbackchat-crisis-model 1",
        f"buckets\t{1 << BUCKETS_LOG2}",
        f"scale\t{WEIGHT_SCALE_LOG2}",
        f"bias\t{model.bias!r}",
        f"threshold\t{threshold!r}",
    ]
    for j in sorted(model.weights):
        lines.append(f"{j}\t{model.weights[j]}")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def read_model(path=MODEL_PATH):
    weights, bias, threshold = {}, 0.0, 0.0
    with open(path, encoding="utf-8") as f:
        for row in f:
            if row.startswith("#") or not row.strip():
                continue
            key, value = row.rstrip("\n").split("\t")
            if key == "bias":
                bias = float(value)
            elif key == "threshold":
                threshold = float(value)
            elif key.isdigit():
                weights[int(key)] = int(value)
    return Model(weights, bias), threshold


def write_check(model, examples, path=CHECK_PATH):
    texts = list(CHECK_TEXTS) + [e.text for e in examples[::40]]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# logit<TAB>words<TAB>text, computed by Tools/safety-model/train.py from "
                f"{os.path.basename(MODEL_PATH)}; the Swift test must agree exactly.\n")
        for t in texts:
            words = safety_words(t)
            f.write(f"{model.logit(features(words))!r}\t{' '.join(words)}\t{t}\n")


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules-from", metavar="BACKCHAT",
                    help="a built backchat binary: measure rules alone against rules + model")
    ap.add_argument("--dialogs", default="Dialogs")
    ap.add_argument("--threshold", type=float, help="use this logit threshold instead of choosing one")
    ap.add_argument("--check-only", action="store_true", help="only rewrite the check texts from the model file")
    ap.add_argument("--no-export", action="store_true", help="measure only")
    args = ap.parse_args()

    answers = dialog_answers()
    examples = [e for p in TRAINING_FILES for e in read_corpus(p)] + choice_examples(answers)
    if args.check_only:
        model, _ = read_model()
        write_check(model, examples)
        return
    positives = sum(e.y for e in examples)
    print(f"{len(examples)} lines: {positives} crisis, {len(examples) - positives} other; "
          f"{len({e.group for e in examples})} groups")

    rules = read_rules(args.rules_from, args.dialogs, TRAINING_FILES, answers) if args.rules_from else {}

    # 1. Grouped cross-validation: sections (cut into runs of lines) never split across folds.
    fold_ids = folds_by_group(examples)
    oof = out_of_fold(examples, fold_ids)
    # 2. Leave one file out: train on the other two files.
    sources = TRAINING_FILES + [CHOICES]
    file_ids = [sources.index(e.file) for e in examples]
    lofo = out_of_fold(examples, file_ids)

    threshold = args.threshold
    if threshold is None and rules:
        # The stricter of the two: at most TARGET_ADDED_FP under both ways of holding data out.
        threshold = max(choose_threshold(examples, oof, rules), choose_threshold(examples, lofo, rules))
    elif threshold is None:
        sys.exit("train.py: pass --rules-from BACKCHAT (to choose the threshold) or --threshold LOGIT")
    print(f"threshold (logit): {threshold!r}  (probability {1 / (1 + math.exp(-threshold)):.3f})")
    if rules:
        print()
        print(render(measure(examples, oof, rules, threshold), f"grouped {FOLDS}-fold cross-validation"))
        print()
        print(render(measure(examples, lofo, rules, threshold), "leave one source out (trained on the other three)"))
        print()
        grid = sorted({threshold} | {x / 2 for x in range(-4, 9)})
        print("grouped cross-validation, by threshold:")
        print(sweep(examples, oof, rules, grid))
        print()
        print("leave one file out, by threshold:")
        print(sweep(examples, lofo, rules, grid))
        missed = [(s, e) for e, s in zip(examples, oof) if e.label == "crisis"
                  and rules.get((e.file, e.line), ("none", False))[0] != "crisis"]
        print("\nrule-missed crisis lines, out-of-fold logit:")
        for s, e in sorted(missed, key=lambda x: -x[0]):
            print(f"  {s:7.3f} {'caught' if s >= threshold else '      '} {os.path.basename(e.file)}:{e.line}: {e.text}")
        fps = [(s, e) for e, s in zip(examples, oof) if e.label == "none" and s >= threshold
               and rules.get((e.file, e.line), ("none", False)) == ("none", False)]
        print("\nnone lines that would get a check question (out-of-fold):")
        for s, e in sorted(fps, key=lambda x: -x[0]):
            print(f"  {s:7.3f} {os.path.basename(e.file)}:{e.line}: {e.text}")

    if args.no_export:
        return
    model = train(examples)
    digest = data_hash(TRAINING_FILES, answers)
    write_model(model, threshold, digest, (positives, len(examples) - positives))
    write_check(*read_model()[:1], examples)
    size = os.path.getsize(MODEL_PATH)
    print(f"\nwrote {MODEL_PATH} ({len(model.weights)} weights, {size // 1024} KiB), data sha256 {digest[:16]}…")
    if rules:
        final = read_model()[0]
        in_sample = [final.logit(e.feats) for e in examples]
        print(render(measure(examples, in_sample, rules, threshold), "final model on its own training lines"))
        # The binary reads the file just written: its scores must be the trainer's, exactly.
        differ = compared = 0
        for p in TRAINING_FILES:
            r = subprocess.run([args.rules_from, "safety-eval", "--dialogs", args.dialogs, "--corpus", p, "--lines"],
                               capture_output=True, text=True)
            for row in r.stdout.splitlines()[1:]:
                cols = row.split("\t")
                if len(cols) >= 8 and cols[6]:
                    compared += 1
                    differ += float(cols[6]) != final.logit(features(safety_words(cols[7])))
        lines = sum(1 for e in examples if e.file != CHOICES)
        print(f"\nSwift and the trainer: {compared - differ} of {lines} lines scored the same, exactly")
        if differ or compared != lines:
            sys.exit("train.py: the Swift scan reads or scores some lines differently; see the check test")
        inputs = transcript_inputs()
        path = write_temp("none", inputs)
        try:
            seen = read_rules(args.rules_from, args.dialogs, [path])
        finally:
            os.remove(path)
        silent = [(n, t) for n, t in enumerate(inputs, start=1) if seen.get((path, n)) == ("none", False)]
        asks = [t for n, t in silent if final.logit(features(safety_words(t))) >= threshold]
        print(f"\ntranscript answers (held out, never trained on): {len(inputs)} distinct, the rules silent on "
              f"{len(silent)}, the model would ask on {len(asks)} ({pct(len(asks), len(silent))})"
              + "".join(f"\n    {t}" for t in asks))


if __name__ == "__main__":
    main()
