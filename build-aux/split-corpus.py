#!/usr/bin/python3
"""split-corpus.py --out DIR CORPUS.jsonl... — the fixed train/dev/test split of
the classifier corpus (docs/classifier.md, "The split").

Related lines go to the same split, so the test split does not measure facts the
model memorised from a retelling:
  * lines with the same "group" field (evasion variants, retellings);
  * lines that share a distinctive figure (38k, 23.4%, 2.35, 6222…: a run of digits
    with at least 3 significant characters that occurs in at most 4 lines).
Groups are shuffled with a fixed seed per category and dealt per category (the
category of most of a group's lines): 15% of the lines to test, 15% to dev, the rest to
train. The same input always gives the same three files, and a batch that adds lines
of some categories leaves the split of the others as it was.
"""
import argparse
import collections
import json
import random
import re
import zlib

SEED = 20261206
FIGURE = re.compile(r"\d+(?:[.,:]\d+)*(?:%|k|w|万|亿)?", re.IGNORECASE)

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("corpus", nargs="+")
args = ap.parse_args()

lines = []
for path in args.corpus:
    with open(path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.strip()
            if raw:
                lines.append((raw, json.loads(raw)))

parent = list(range(len(lines)))


def find(i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def union(a, b):
    a, b = find(a), find(b)
    if a != b:
        parent[max(a, b)] = min(a, b)


by_key = collections.defaultdict(list)
for i, (_, d) in enumerate(lines):
    if d.get("group"):
        by_key["g:" + d["group"]].append(i)
    for m in set(FIGURE.findall(d["text"])):
        if len(m.strip("0.,:")) >= 3:
            by_key["f:" + m.lower()].append(i)
for key, members in by_key.items():
    if key.startswith("g:") or len(members) <= 4:
        for m in members[1:]:
            union(members[0], m)

groups = collections.defaultdict(list)
for i in range(len(lines)):
    groups[find(i)].append(i)

by_category = collections.defaultdict(list)
for root in sorted(groups):
    members = groups[root]
    category = collections.Counter(lines[i][1]["category"] for i in members).most_common(1)[0][0]
    by_category[category].append(members)

out = {"train": [], "dev": [], "test": []}
for category in sorted(by_category):
    cat_groups = by_category[category]
    random.Random(SEED ^ zlib.crc32(category.encode())).shuffle(cat_groups)
    total = sum(len(g) for g in cat_groups)
    taken = {"test": 0, "dev": 0}
    for g in cat_groups:
        if taken["test"] < 0.15 * total:
            split = "test"
        elif taken["dev"] < 0.15 * total:
            split = "dev"
        else:
            split = "train"
        if split != "train":
            taken[split] += len(g)
        out[split].extend(g)

for split, members in out.items():
    with open("%s/%s.jsonl" % (args.out, split), "w", encoding="utf-8") as f:
        for i in sorted(members):
            f.write(lines[i][0] + "\n")
