#!/usr/bin/env python3
"""Measures the dependency shape of core's main classes (issue 15): package loops, file circles
across packages, references that run from a lower layer to a higher one, and import lines that do.

Usage: scripts/deps.py [core/target/classes] [core/src/main/java]
(build first: mvn -B -q -ntp -o -pl core compile). The class graph comes from the JDK's jdeps
(-verbose:class), so it sees every reference the compiler kept, nested classes folded into their
top-level class; the import count reads the source's `import org.ext4j.core.` lines.

The intended order of layers, lowest first, is core/src/test/resources/org/ext4j/core/layers.txt,
the file core's LayeringTest enforces; the script reports against it, so it also measures an
older build (give its classes directory) by today's layers.
"""
import collections
import os
import re
import subprocess
import sys

PREFIX = "org.ext4j.core."
LAYERS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                           "core/src/test/resources/org/ext4j/core/layers.txt")


def read_layers():
    layers = []
    with open(LAYERS_FILE, encoding="utf-8") as f:
        for line in f:
            packages = line.split("#", 1)[0].split()
            if packages:
                layers.append(packages)
    return layers


LAYERS = read_layers()
RANK = {p: i for i, layer in enumerate(LAYERS) for p in layer}


def top_level(cls):
    return cls.split("$", 1)[0]


def package(cls):
    return cls[len(PREFIX):].rsplit(".", 1)[0]


def class_edges(classes):
    out = subprocess.run(["jdeps", "-verbose:class", "-filter:none", classes],
                         check=True, capture_output=True, text=True).stdout
    edges = set()
    for line in out.splitlines():
        m = re.match(r"\s+(\S+)\s+->\s+(\S+)", line)
        if not m or not m.group(1).startswith(PREFIX) or not m.group(2).startswith(PREFIX):
            continue
        a, b = top_level(m.group(1)), top_level(m.group(2))
        if a != b:
            edges.add((a, b))
    return edges


def sccs(nodes, edges):
    """Tarjan's strongly connected components of size > 1."""
    succ = collections.defaultdict(list)
    for a, b in edges:
        succ[a].append(b)
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def short(cls):
    return cls[len(PREFIX):]


def main():
    classes = sys.argv[1] if len(sys.argv) > 1 else "core/target/classes"
    sources = sys.argv[2] if len(sys.argv) > 2 else "core/src/main/java"
    edges = class_edges(classes)
    nodes = {n for e in edges for n in e}
    pkgs = {package(n) for n in nodes}
    pkg_edges = {(package(a), package(b)) for a, b in edges if package(a) != package(b)}
    loops = sccs(pkgs, pkg_edges)
    print(f"packages: {len(pkgs)}; package dependencies: {len(pkg_edges)}")
    print(f"package loops: {len(loops)}" + "".join(f"\n  {len(l)} packages: {' '.join(l)}" for l in loops))
    cross = {(a, b) for a, b in edges if package(a) != package(b)}
    circles = sccs(nodes, cross)
    print(f"file circles across packages: {len(circles)}"
          + "".join(f"\n  {len(c)} files: {' '.join(short(x) for x in c)}" for c in circles))
    same = sccs(nodes, edges)
    print(f"file circles of any references (within a package or across): {len(same)}"
          + "".join(f"\n  {len(c)} files: {' '.join(short(x) for x in c)}" for c in same))
    unknown = sorted(p for p in pkgs if p not in RANK)
    if unknown:
        print(f"packages outside LAYERS: {' '.join(unknown)}")
    up = sorted((a, b) for a, b in cross if RANK.get(package(a), 99) < RANK.get(package(b), 99))
    print(f"class references running up the layers: {len(up)}"
          + "".join(f"\n  {short(a)} -> {short(b)}" for a, b in up))
    imports = 0
    for root, _, files in os.walk(sources):
        for f in files:
            if not f.endswith(".java"):
                continue
            pkg = os.path.relpath(root, os.path.join(sources, "org/ext4j/core")).replace(os.sep, ".")
            with open(os.path.join(root, f), encoding="utf-8") as src:
                for line in src:
                    m = re.match(r"import (?:static )?org\.ext4j\.core\.(\w+)\.", line)
                    if m and RANK.get(pkg, 99) < RANK.get(m.group(1), 99):
                        imports += 1
    print(f"import lines running up the layers: {imports}")


if __name__ == "__main__":
    main()
