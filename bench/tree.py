#!/usr/bin/env python3
# The file tree the bench scripts copy, stat and remove: 50 directories of 100 files of 1-8 KiB of
# random bytes, the same every time (seed 7). Usage: bench/tree.py DIR
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7)
for d in range(50):
    os.makedirs(f"{root}/d{d}")
    for f in range(100):
        with open(f"{root}/d{d}/f{f}", "wb") as out:
            out.write(rnd.randbytes(rnd.randint(1, 8192)))
