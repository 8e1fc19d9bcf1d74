#!/usr/bin/env python3
# Names through the WinFsp shim (WindowsNamesIT). "seed DIR" makes files whose ext4 names Windows
# cannot hold; "windows MNT" acts as a Windows program would on the mounted drive, with the names
# it is shown (UTF-8 of the UTF-16 Windows names), and prints what it saw and did, one line each.
import os
import sys

SEEDED = {
    b"notes.": b"trailing dot",
    b"trail ": b"trailing space",
    b"a:b": b"colon",
    b"q?*": b"wildcards",
    b"caf\xe9": b"latin-1",
    b"\xff" * 100: b"a hundred bytes that are not UTF-8",
    "\uf03a".encode(): b"a stored private-use character",
    "été".encode(): b"plain UTF-8",
}


def seed(d):
    for name, data in SEEDED.items():
        with open(os.path.join(d.encode(), name), "wb") as f:
            f.write(data)
    os.mkdir(os.path.join(d.encode(), b"dir."))
    os.symlink(b"../caf\xe9", os.path.join(d.encode(), b"dir.", b"link"))


def attempt(label, fn):
    try:
        r = fn()
        print(f"{label}: {'ok' if r is None else r}")
    except OSError as e:
        print(f"{label}: {os.strerror(e.errno)}")


def windows(m):
    os.chdir(m)
    for name in sorted(os.listdir(b".")):
        with open(name, "rb") if not os.path.isdir(name) else open(os.devnull, "rb") as f:
            print(f"listed {name.decode('utf-8', 'strict').encode('unicode_escape').decode()} -> {f.read().decode()}")
    attempt("readlink", lambda: os.readlink("dir\uf02e/link").encode("unicode_escape").decode())
    attempt("read through link", lambda: open("dir\uf02e/link", "rb").read().decode())
    attempt("create new\\uf02e", lambda: open("new\uf02e", "wb").close())
    attempt("create x\\uf03ay", lambda: open("x\uf03ay", "wb").close())
    attempt("create bytes", lambda: open("\uf0fe\uf0fd", "wb").close())
    attempt("create x\\uf02ey", lambda: open("x\uf02ey", "wb").close())
    attempt("open x\\uf02ey", lambda: open("x\uf02ey", "rb").close())
    attempt("rename", lambda: os.rename("trail\uf020", "renamed\uf020"))
    attempt("mkdir", lambda: os.mkdir("folder\uf02e"))
    attempt("symlink", lambda: os.symlink("folder\uf02e", "to-folder"))
    attempt("unlink", lambda: os.unlink("q\uf03f\uf02a"))


if __name__ == "__main__":
    {"seed": seed, "windows": windows}[sys.argv[1]](sys.argv[2])
