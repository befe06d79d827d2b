#!/usr/bin/env python3
"""Trains and measures Backchat's safety backstop model (see docs/safety.md, "The backstop model").

One logistic regression per escalation level (a head: crisis, emergency, urgent, support),
each against every other line, over shared hashed features of the words the safety scan
reads: word unigrams and bigrams, and character 3-5-grams of the words joined by spaces.
Every feature occurrence has the value 1/sqrt(N) (N = features in the message), so a long
message does not score high just for being long. Python 3 standard library only;
deterministic (fixed seed, fixed order).

The model is used only where the rules find nothing, on messages of at least MIN_WORDS
words: the head furthest above its own threshold makes the scan report a *possible*
finding at its level, which asks one check question (crisis-check or safety-check).

Training data: the repository's own labelled lines (TRAINING_FILES: the development corpus,
the probes, the spent blind measurement sets, the blind training sets) and the answers the
dialogs offer (choice labels and synonyms in Dialogs/en, as `none`). Never an unspent
measurement set (MEASUREMENT_SETS; the trainer refuses them). The inputs of the shipped
transcripts (Tests/Transcripts) are not trained on either: they measure how often the model
would interrupt a real conversation.

Measurement: leave-one-source-out (each file scored by heads trained on all the others: the
closest to a new writer) and grouped 10-fold cross-validation (a corpus section never
straddles two folds); both give every line a score from a model that never saw it. Rules
alone against rules + model needs what the rules find on every line, which
`backchat safety-eval --lines --no-model` prints. Each head's threshold is the lowest logit
at which it adds at most ADDED_FP[head] of the `none` lines under both schemes.

Usage (from the package root):
  swift build --scratch-path .build
  python3 Tools/safety-model/train.py --rules-from .build/debug/backchat
        # cross-validate, choose the thresholds, train on everything, export, measure
  ... --quick          leave-one-source-out only
  ... --sweep          also other false-positive budgets and word minimums
  ... --eval FILE      also score a measurement set with the final heads (never trained on)
  ... --show HEAD      list a level's rule-missed lines and the none lines it would flag
  python3 Tools/safety-model/train.py --check-only         # only re-score the check texts

Outputs:
  Dialogs/en/lexicon/backstop-model.tsv    the model (header, then `bucket<TAB>weight…` lines)
  Tests/Fixtures/safety-model/check.tsv    texts with the logits the trainer computes, for the
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
HEADS = ("crisis", "emergency", "urgent", "support")   # most serious first
# Each head may add at most this share of the `none` lines as findings where the rules are silent.
ADDED_FP = {"crisis": 0.01, "emergency": 0.0025, "urgent": 0.005, "support": 0.0025}
FORMAT = "backchat-safety-model 2"
# The model speaks only on messages of at least this many words (the scan's words).
MIN_WORDS = 3

TRAINING_FILES = ["Tests/SafetyCorpus/corpus.tsv", "Tests/SafetyCorpus/probes.tsv",
                  "Tests/SafetyCorpus/training-extra.tsv",
                  # Spent measurement sets by blind writers: measured when unseen, now training data.
                  "Tests/SafetyCorpus/fresh-a.tsv", "Tests/SafetyCorpus/sealed-b.tsv",
                  "Tests/SafetyCorpus/sealed-c.tsv", "Tests/SafetyCorpus/holdout.tsv",
                  "Tests/SafetyCorpus/blind-d.tsv", "Tests/SafetyCorpus/sealed-e.tsv",
                  "Tests/SafetyCorpus/sealed-f.tsv",
                  # Written blind for training, each by another writer in another voice.
                  "Tests/SafetyCorpus/training-forum.tsv", "Tests/SafetyCorpus/training-texts.tsv",
                  "Tests/SafetyCorpus/training-patients.tsv", "Tests/SafetyCorpus/training-contrasts.tsv",
                  "Tests/SafetyCorpus/training-abuse.tsv", "Tests/SafetyCorpus/training-lay-signs.tsv",
                  "Tests/SafetyCorpus/training-hints.tsv", "Tests/SafetyCorpus/training-quiet.tsv",
                  "Tests/SafetyCorpus/training-control.tsv", "Tests/SafetyCorpus/training-lookalikes.tsv",
                  # Short answers to the assistant's questions (durations, numbers, people).
                  "Tests/SafetyCorpus/training-answers.tsv"]
# The answers the dialogs offer (choice labels and synonyms), as `none` lines: most of what
# people type is an answer to a question, and a check question on "staying active" is wrong.
# Not the answers of the flows that ask about safety or suicidal thoughts ("No, I'm not safe"),
# nor answers with words that typed on their own could be a disclosure ("hurt myself").
DIALOGS_DIR = "Dialogs/en"
CHOICES = "dialog choices"
CHOICES_SKIP_DIRS = ("lexicon", "safety")
CHOICES_SKIP_FILES = ("coping_check.yaml",)
CHOICES_SKIP_WORDS = ("myself", "safe", "harm", "hurt", "end it", "die", "dead", "life")
# Unspent measurement sets: never trained on.
MEASUREMENT_SETS = ("sealed-h", "sealed-i", "ordinary-g")
MODEL_PATH = "Dialogs/en/lexicon/backstop-model.tsv"
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
    __slots__ = ("file", "line", "label", "text", "group", "feats", "value", "words")

    def __init__(self, file, line, label, text, group):
        self.file, self.line, self.label, self.text, self.group = file, line, label, text, group
        words = safety_words(text)
        self.words = len(words)
        self.feats = features(words)
        self.value = 1.0 / math.sqrt(len(self.feats)) if self.feats else 0.0


def read_corpus(path, measuring=False):
    """Examples with a group each: a section (a run of comment lines starts one), cut into runs
    of GROUP_CHUNK lines so near-paraphrases next to each other stay in the same fold."""
    if not measuring and any(os.path.basename(path).startswith(f) for f in MEASUREMENT_SETS):
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
            if not text or label not in HEADS + ("none",):
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
# Training: one logistic regression per level against every other line (one head each),
# AdaGrad, L2 on touched weights, class-balanced. The heads share the features.

def train(examples, head, seed=SEED):
    size = 1 << BUCKETS_LOG2
    w = [0.0] * size
    g2 = [1e-8] * size
    bias, bias_g2 = 0.0, 1e-8
    ys = [1 if e.label == head else 0 for e in examples]
    positives = sum(ys)
    negatives = len(examples) - positives
    weight = {1: len(examples) / (2.0 * max(1, positives)), 0: len(examples) / (2.0 * max(1, negatives))}
    order = list(range(len(examples)))
    rng = random.Random(seed)
    sqrt = math.sqrt
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for k in order:
            e = examples[k]
            if not e.feats:
                continue
            value, y = e.value, ys[k]
            z = bias + value * sum(w[j] for j in e.feats)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            g = (p - y) * weight[y]
            bias_g2 += g * g
            bias -= LEARNING_RATE * g / sqrt(bias_g2)
            gv = g * value
            for j in e.feats:
                gj = gv + L2 * w[j]
                g2[j] += gj * gj
                w[j] -= LEARNING_RATE * gj / sqrt(g2[j])
    return quantise(w, bias)


class Model:
    """One head as the model file holds it: integer weights times 2^-WEIGHT_SCALE_LOG2, and a bias."""

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
        # Stored as 16-bit integers (SafetyModel.weights).
        q = max(-32768, min(32767, int(round(x * scale))))
        if abs(q) >= PRUNE:
            weights[j] = q
    # The bias as printed in the file (repr round-trips a double exactly).
    return Model(weights, float(repr(bias)))


# ---------------------------------------------------------------------------
# Measurement: every line gets, for every head, a score from a model that never saw it.

def folds_by_group(examples, k=FOLDS, seed=SEED):
    groups = sorted({e.group for e in examples})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return [fold_of[e.group] for e in examples]


_POOL_DATA = {}


def _fold_task(task):
    fold, head = task
    examples, fold_ids = _POOL_DATA["examples"], _POOL_DATA["fold_ids"]
    model = train([e for e, i in zip(examples, fold_ids) if i != fold], head)
    return fold, head, [(n, model.logit(e.feats)) for n, (e, i) in enumerate(zip(examples, fold_ids)) if i == fold]


def out_of_fold(examples, fold_ids, heads=HEADS):
    """{head: [score per example]}; the folds and heads train in parallel, one per core."""
    import multiprocessing
    _POOL_DATA["examples"], _POOL_DATA["fold_ids"] = examples, fold_ids
    tasks = [(f, h) for f in sorted(set(fold_ids)) for h in heads]
    scores = {h: [0.0] * len(examples) for h in heads}
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        for fold, head, rows in pool.imap_unordered(_fold_task, tasks):
            for n, s in rows:
                scores[head][n] = s
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
            out[(p, int(cols[0]))] = (cols[2], frozenset(x for x in cols[5].split(",") if x))
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


# What the rules made of a line none of them touched: no level found, no head held back.
NO_RULE = ("none", frozenset())


def may_speak(rule, head, words, min_words=None):
    """Whether a head may speak on a line: the rules found nothing, did not hold this head back
    (crisis when they found a crisis phrase, another level when they read its phrase as a
    general question or an if; the `held-back` column of `safety-eval --lines`), and the line
    has enough words. SafetyDetector.analyze in Swift."""
    level, held_back = rule
    return level == "none" and head not in held_back and words >= (MIN_WORDS if min_words is None else min_words)


def decide(rule, scores, thresholds, words=MIN_WORDS, min_words=None):
    """What the scan reports: the rules' level when they found one; otherwise, of the heads that
    may speak, the one furthest above its threshold, the more serious on a tie.
    SafetyModel.asking in Swift."""
    if rule[0] != "none":
        return rule[0], False
    best, margin = None, 0.0
    for h in HEADS:
        if h in thresholds and may_speak(rule, h, words, min_words) and scores[h] >= thresholds[h]:
            m = scores[h] - thresholds[h]
            if best is None or m > margin:
                best, margin = h, m
    return (best, True) if best else ("none", False)


def measure(examples, scores, rules, thresholds, keys=None, min_words=None):
    """Rules alone against rules + model: per file (or `keys(e)`) and for all lines, recall per
    level and false positives."""
    rows = {}
    for n, e in enumerate(examples):
        rule = rules.get((e.file, e.line), NO_RULE)
        final, _ = decide(rule, {h: scores[h][n] for h in scores}, thresholds, e.words, min_words)
        for key in ((keys or (lambda x: os.path.basename(x.file)))(e),) + (("all",) if e.file != CHOICES else ()):
            r = rows.setdefault(key, {})
            c = r.setdefault(e.label, [0, 0, 0])  # total, rules right, rules + model right
            c[0] += 1
            if e.label == "none":
                c[1] += rule[0] != "none"
                c[2] += final != "none"
            else:
                c[1] += rule[0] == e.label
                c[2] += final == e.label
    return rows


def pct(a, b):
    return f"{100.0 * a / b:.1f} %" if b else "-"


def render(rows, title):
    lines = [title, "  " + "file".ljust(26) + "".join(f"{h:>22}" for h in HEADS) + f"{'none (false positives)':>30}",
             "  " + " " * 26 + "".join(f"{'rules → +model':>22}" for _ in HEADS) + f"{'rules → +model':>30}"]
    for key in sorted(rows, key=lambda k: (k == "all", k)):
        r = rows[key]
        cells = []
        for h in HEADS + ("none",):
            t, a, b = r.get(h, [0, 0, 0])
            cells.append(f"{pct(a, t)} → {pct(b, t)}" if t else "-")
        lines.append("  " + key.ljust(26) + "".join(f"{c:>22}" for c in cells[:-1]) + f"{cells[-1]:>30}")
    return "\n".join(lines)


def silent_none(examples, rules, head):
    """Indices of `none` lines (not dialog answers) where this head may speak."""
    out = []
    for n, e in enumerate(examples):
        if e.label != "none" or e.file == CHOICES:
            continue
        if may_speak(rules.get((e.file, e.line), NO_RULE), head, e.words):
            out.append(n)
    return out


def choose_threshold(examples, scores, rules, head, factor=1.0):
    """The lowest logit at which this head, speaking only where the rules are silent, adds at
    most ADDED_FP[head] of the `none` lines (out-of-fold scores)."""
    silent = sorted((scores[head][n] for n in silent_none(examples, rules, head)), reverse=True)
    total_none = sum(1 for e in examples if e.label == "none" and e.file != CHOICES)
    allowed = int(math.floor(ADDED_FP[head] * factor * total_none))
    if len(silent) <= allowed:
        return min(silent, default=0.0)
    return math.nextafter(silent[allowed], math.inf)


# ---------------------------------------------------------------------------
# Export.

CHECK_TEXTS = [
    "", "   ", "yes", "7/10", "I want to die", "i dont see the point in being around much longer",
    "this pain is killing me", "I\u2019m not suicidal, just tired", "I CAN\u2019T DO THIS ANYMORE",
    "su1cidal again", "s*icide", "sooooo tired of everything", "walked 5kms today, 6kg lighter",
    "caf\u00e9 with my wife, feeling better", "\uff49 want to disappear", "self-harm \u2014 again?",
    "my temp is 38.5 and my back aches", "i won't be here next week; we're on holiday",
    "it\u2019s fine\u2026 honestly", "\u00bd way through physio \U0001F642",
    "cant feel my legs and i wet myself", "he hits me when he drinks",
]


def write_model(models, thresholds, digest, counts, path=MODEL_PATH):
    lines = [
        "# Backchat safety backstop model: one logistic regression per level (a head) on hashed",
        "# features of the words the safety scan reads. Made by Tools/safety-model/train.py; do not edit by hand.",
        f"# data sha256 {digest}: " + ", ".join(os.path.basename(p) for p in training_files())
        + f", the {CHOICES} in {DIALOGS_DIR} (see train.py)",
        "# lines per label: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; seed {SEED}, {EPOCHS} epochs, AdaGrad rate {LEARNING_RATE}, L2 {L2}",
        "# features: word 1-2-grams, character 3-5-grams; FNV-1a 32 bit of kind letter + UTF-8 bytes",
        "# logit = bias + scale * (sum of the head's weights of every feature occurrence) / sqrt(occurrences)",
        f"format\t{FORMAT}",
        f"buckets\t{1 << BUCKETS_LOG2}",
        f"scale\t{WEIGHT_SCALE_LOG2}",
        f"min-words\t{MIN_WORDS}",
        "heads\t" + "\t".join(HEADS),
        "bias\t" + "\t".join(repr(models[h].bias) for h in HEADS),
        "threshold\t" + "\t".join(repr(thresholds[h]) for h in HEADS),
    ]
    buckets = sorted(set().union(*(models[h].weights for h in HEADS)))
    for j in buckets:
        lines.append(f"{j}\t" + "\t".join(str(models[h].weights.get(j, 0)) for h in HEADS))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def read_model(path=MODEL_PATH):
    heads, biases, thresholds, weights = [], [], [], {}
    with open(path, encoding="utf-8") as f:
        for row in f:
            if row.startswith("#") or not row.strip():
                continue
            key, *values = row.rstrip("\n").split("\t")
            if key == "heads":
                heads = values
                weights = {h: {} for h in heads}
            elif key == "bias":
                biases = [float(v) for v in values]
            elif key == "threshold":
                thresholds = [float(v) for v in values]
            elif key.isdigit():
                for h, v in zip(heads, values):
                    if int(v):
                        weights[h][int(key)] = int(v)
    return ({h: Model(weights[h], b) for h, b in zip(heads, biases)}, dict(zip(heads, thresholds)))


def write_check(models, examples, path=CHECK_PATH):
    texts = list(CHECK_TEXTS) + [e.text for e in examples[::60]]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# " + " ".join(f"{h}-logit" for h in HEADS) + "<TAB>words<TAB>text (tab-separated), computed by "
                f"Tools/safety-model/train.py from {os.path.basename(MODEL_PATH)}; the Swift test must agree exactly.\n")
        for t in texts:
            words = safety_words(t)
            feats = features(words)
            f.write("\t".join(repr(models[h].logit(feats)) for h in HEADS) + f"\t{' '.join(words)}\t{t}\n")


def training_files():
    return [p for p in TRAINING_FILES if os.path.exists(p)]


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules-from", metavar="BACKCHAT",
                    help="a built backchat binary: measure rules alone against rules + model")
    ap.add_argument("--dialogs", default="Dialogs")
    ap.add_argument("--check-only", action="store_true", help="only rewrite the check texts from the model file")
    ap.add_argument("--no-export", action="store_true", help="measure only")
    ap.add_argument("--quick", action="store_true", help="leave-one-source-out only (no grouped cross-validation)")
    ap.add_argument("--eval", metavar="FILE", action="append", default=[],
                    help="also score this labelled file (a measurement set) with the final heads; never trained on")
    ap.add_argument("--sweep", action="store_true", help="measure other false-positive budgets too")
    ap.add_argument("--show", metavar="HEAD", action="append", default=[],
                    help="list this level's rule-missed lines and the none lines it would flag, out of fold")
    args = ap.parse_args()

    answers = dialog_answers()
    files = training_files()
    examples = [e for p in files for e in read_corpus(p)] + choice_examples(answers)
    if args.check_only:
        write_check(read_model()[0], examples)
        return
    counts = {h: sum(1 for e in examples if e.label == h) for h in HEADS + ("none",)}
    print(f"{len(examples)} lines ({', '.join(f'{k} {v}' for k, v in counts.items())}) from {len(files)} files "
          f"and the dialog answers; {len({e.group for e in examples})} groups")
    if not args.rules_from:
        sys.exit("train.py: pass --rules-from BACKCHAT (the rules' findings choose the thresholds)")
    rules = read_rules(args.rules_from, args.dialogs, files, answers)

    # 1. Leave one source out: every file (one writer, or one kind of data) scored by heads
    #    trained on all the others. The closest to a new writer's phrasing.
    sources = files + [CHOICES]
    by_source = out_of_fold(examples, [sources.index(e.file) for e in examples])
    schemes = [("leave one source out (each file scored by heads trained on the others)", by_source)]
    # 2. Grouped cross-validation: sections (cut into runs of lines) never split across folds.
    if not args.quick:
        schemes.append((f"grouped {FOLDS}-fold cross-validation", out_of_fold(examples, folds_by_group(examples))))

    # Each head's threshold: the stricter of the two schemes.
    thresholds = {h: max(choose_threshold(examples, s, rules, h) for _, s in schemes) for h in HEADS}
    print("thresholds (logit): " + ", ".join(f"{h} {t:.3f}" for h, t in thresholds.items()))
    for title, s in schemes:
        print()
        print(render(measure(examples, s, rules, thresholds), title + ": recall per level, false positives"))
    if args.sweep:
        print("\nby false-positive budget (the shares in ADDED_FP times a factor), leave one source out:")
        base = schemes[0][1]
        for factor in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0):
            t = {h: max(choose_threshold(examples, s, rules, h, factor) for _, s in schemes) for h in HEADS}
            row = measure(examples, base, rules, t)["all"]
            print(f"  ×{factor:<5}" + "".join(f"{h} {pct(row[h][2], row[h][0]):>8}   " for h in HEADS)
                  + f"FP {pct(row['none'][2], row['none'][0])}")
        print("by the fewest words a message needs before the model may speak, leave one source out:")
        for k in (1, 2, 3, 4, 5):
            row = measure(examples, base, rules, thresholds, min_words=k)["all"]
            print(f"  {k} words " + "".join(f"{h} {pct(row[h][2], row[h][0]):>8}   " for h in HEADS)
                  + f"FP {pct(row['none'][2], row['none'][0])}")
    for head in args.show:
        s = by_source[head]
        print(f"\n{head}: rule-missed lines, score out of source (threshold {thresholds[head]:.3f}):")
        for n, e in sorted(enumerate(examples), key=lambda x: -s[x[0]]):
            if e.label == head and rules.get((e.file, e.line), NO_RULE)[0] != head:
                print(f"  {s[n]:7.3f} {'caught' if s[n] >= thresholds[head] else '      '} "
                      f"{os.path.basename(e.file)}:{e.line}: {e.text}")
        print(f"{head}: none lines it would flag (out of source):")
        for n in silent_none(examples, rules, head):
            if s[n] >= thresholds[head]:
                e = examples[n]
                print(f"  {s[n]:7.3f} {os.path.basename(e.file)}:{e.line}: {e.text}")

    if args.no_export and not args.eval:
        return
    models = {h: train(examples, h) for h in HEADS}
    if args.eval:
        ev = [e for p in args.eval for e in read_corpus(p, measuring=True)]
        ev_rules = read_rules(args.rules_from, args.dialogs, args.eval)
        ev_scores = {h: [models[h].logit(e.feats) for e in ev] for h in HEADS}
        print()
        print(render(measure(ev, ev_scores, ev_rules, thresholds), "measurement sets, scored by the final heads"))
        for n, e in enumerate(ev):
            final, by_model = decide(ev_rules.get((e.file, e.line), NO_RULE),
                                     {h: ev_scores[h][n] for h in HEADS}, thresholds, e.words)
            if final != e.label:
                print(f"  {e.label:>9} → {final:<9}{' (model)' if by_model else '        '} "
                      f"{os.path.basename(e.file)}:{e.line}: {e.text}")
    if args.no_export:
        return
    digest = data_hash(files, answers)
    write_model(models, thresholds, digest, counts)
    final, _ = read_model()
    write_check(final, examples)
    size = os.path.getsize(MODEL_PATH)
    print(f"\nwrote {MODEL_PATH} ({size // 1024} KiB), data sha256 {digest[:16]}…")
    in_sample = {h: [final[h].logit(e.feats) for e in examples] for h in HEADS}
    print(render(measure(examples, in_sample, rules, thresholds), "final model on its own training lines"))
    inputs = transcript_inputs()
    path = write_temp("none", inputs)
    try:
        seen = read_rules(args.rules_from, args.dialogs, [path])
    finally:
        os.remove(path)
    flagged = []
    for n, t in enumerate(inputs, start=1):
        feats = features(safety_words(t))
        level, model = decide(seen.get((path, n), NO_RULE), {h: final[h].logit(feats) for h in HEADS},
                              thresholds, len(safety_words(t)))
        if model:
            flagged.append(f"{level}: {t}")
    print(f"\ntranscript answers (held out, never trained on): {len(inputs)} distinct, the model would speak on "
          f"{len(flagged)}" + "".join(f"\n    {t}" for t in flagged))


if __name__ == "__main__":
    main()
