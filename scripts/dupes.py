#!/usr/bin/env python3
"""Counts duplicated code in a source tree: pairs of places (in one file or two) that share a run
of at least WINDOW consecutive lines after normalisation (whitespace collapsed; blank lines,
comments, imports and lone braces dropped). Overlapping windows of one pair count once.

Usage: scripts/dupes.py [core/src/main/java] [WINDOW=8]
"""
import collections
import os
import re
import sys


def normalised(path):
    out = []
    in_block = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            s = line.strip()
            if in_block:
                if "*/" in s:
                    in_block = False
                continue
            if s.startswith("/*"):
                in_block = "*/" not in s
                continue
            if not s or s.startswith("//") or s.startswith("*") or s.startswith("import ") \
                    or s.startswith("package ") or s in ("{", "}", "};", ");", "@Override"):
                continue
            out.append((number, re.sub(r"\s+", " ", s)))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "core/src/main/java"
    window = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    seen = collections.defaultdict(list)
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".java"):
                path = os.path.join(dirpath, name)
                lines = normalised(path)
                for i in range(len(lines) - window + 1):
                    key = "\n".join(text for _, text in lines[i:i + window])
                    seen[key].append((os.path.relpath(path, root), lines[i][0]))
    pairs = {}
    for places in seen.values():
        for a in range(len(places)):
            for b in range(a + 1, len(places)):
                (fa, la), (fb, lb) = places[a], places[b]
                if fa == fb and abs(la - lb) < window:
                    continue
                key = (fa, fb)
                # Overlapping windows of the same pair of places are one duplicate.
                runs = pairs.setdefault(key, [])
                if not any(abs(la - x) <= window and abs(lb - y) <= window for x, y in runs):
                    runs.append((la, lb))
    total = sum(len(r) for r in pairs.values())
    print(f"duplicate runs of >= {window} normalised lines: {total}")
    for (fa, fb), runs in sorted(pairs.items(), key=lambda kv: -len(kv[1])):
        for la, lb in runs:
            print(f"  {fa}:{la}  {fb}:{lb}")


if __name__ == "__main__":
    main()
