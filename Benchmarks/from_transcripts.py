#!/usr/bin/env python3
"""Turns the shipped transcripts into benchmark conversations (backpain-conversations/1).

  python3 Benchmarks/from_transcripts.py > Benchmarks/shipped/conversations.json

Each transcript that starts at the welcome (no @flow, @set or @region) becomes a
conversation, with its @locale:
a first line "hi" that opens the session (as in the peers' line mode), then every '>'
line with the substrings its '<' checks expect ('<!' becomes expect_not). Regex checks
are left out. Replay with:

  backchat bench --dialogs Dialogs --conversations Benchmarks/shipped/conversations.json
"""
import glob, json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
conversations = []
for path in sorted(glob.glob(os.path.join(ROOT, "Tests/Transcripts/en/*.transcript"))):
    lines = open(path, encoding="utf-8").read().splitlines()
    if any(l.startswith(("@flow", "@set", "@region")) for l in lines):
        continue
    locale = next((l.split(None, 1)[1].strip() for l in lines if l.startswith("@locale")), None)
    turns = [{"user": "hi", "expect": [], "expect_not": []}]
    for raw in lines:
        l = raw.strip()
        if l.startswith(">"):
            turns.append({"user": l[1:].strip(), "expect": [], "expect_not": []})
        elif l.startswith("<!"):
            body = l[2:].strip()
            if not (body.startswith("/") and body.endswith("/")):
                turns[-1]["expect_not"].append(body)
        elif l.startswith("<"):
            body = l[1:].strip()
            if not (body.startswith("/") and body.endswith("/")):
                turns[-1]["expect"].append(body)
    for t in turns:
        if not t["expect_not"]:
            del t["expect_not"]
    conversations.append({"id": os.path.basename(path)[:-len(".transcript")], "locale": locale,
                          "description": "from Tests/Transcripts/en/" + os.path.basename(path), "turns": turns})
json.dump({"format": "backpain-conversations/1",
           "description": "Backchat's own conversations over its shipped dialogs, made from the transcript tests.",
           "conversations": conversations}, sys.stdout, indent=1)
print()
