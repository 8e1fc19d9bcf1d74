#!/usr/bin/env python3
# What a Mac user's copy in and out does to a volume, as system calls: used by FinderCopyIT.
# Names are handled as bytes, so no locale can change them. Each step prints "label: result".
import errno
import hashlib
import os
import sys

NFC = "caf\u00e9.txt".encode()                 # é as one code point (U+00E9), as Linux keyboards type it
NFD = "re\u0301sume\u0301.txt".encode()         # é as e + U+0301, as macOS hands names over
DIR = "Fotos \u00fcber".encode()
BIG = 12 << 20
SPARSE = 1 << 30


def out(label, value):
    print(f"{label}: {value}", flush=True)


def attempt(label, fn):
    try:
        out(label, fn())
    except OSError as e:
        out(label, errno.errorcode.get(e.errno, e.errno))


def content(seed, size):
    block = hashlib.sha256(seed).digest() * 2048          # 64 KiB of a seed-dependent pattern
    return (block * (size // len(block) + 1))[:size]


def populate(src):
    os.makedirs(os.path.join(src, DIR))
    with open(os.path.join(src, NFC), "wb") as f:
        f.write(b"composed\n")
    with open(os.path.join(src, NFD), "wb") as f:
        f.write(b"decomposed\n")
    with open(os.path.join(src, DIR, b"big.bin"), "wb") as f:
        f.write(content(b"big", BIG))
    with open(os.path.join(src, DIR, b"sparse.img"), "wb") as f:
        f.seek(4096)
        f.write(b"island one")
        f.seek(SPARSE - 8192)
        f.write(b"island two")
        f.truncate(SPARSE)


def finder_metadata(mnt):
    """What Finder and copyfile(3) would add on a foreign volume, and the user's own attribute."""
    attempt("create ._ file", lambda: os.close(os.open(os.path.join(mnt, b"._" + NFC), os.O_CREAT | os.O_WRONLY, 0o644)))
    attempt("create .DS_Store", lambda: os.close(os.open(os.path.join(mnt, b".DS_Store"), os.O_CREAT | os.O_WRONLY, 0o644)))
    attempt("mkdir ._dir", lambda: os.mkdir(os.path.join(mnt, b"._dir")))
    target = os.path.join(mnt, NFC)
    attempt("set org.example.tag", lambda: os.setxattr(target, b"user.org.example.tag", b"blue"))
    attempt("get org.example.tag", lambda: os.getxattr(target, b"user.org.example.tag"))
    attempt("set com.apple.FinderInfo", lambda: os.setxattr(target, b"user.com.apple.FinderInfo", bytes(32)))
    attempt("set com.apple.ResourceFork", lambda: os.setxattr(target, b"user.com.apple.ResourceFork", b"rsrc"))
    attempt("get com.apple.quarantine", lambda: os.getxattr(target, b"user.com.apple.quarantine"))
    attempt("set trusted.x", lambda: os.setxattr(target, b"trusted.x", b"t"))
    attempt("list", lambda: sorted(os.listxattr(target)))


def seed(d):
    """Names written on Linux, one in each form, before the Mac sees the volume."""
    for name in (b"linux-nfc-\xc3\xa9", b"linux-nfd-e\xcc\x81"):
        with open(os.path.join(d, name), "wb") as f:
            f.write(b"written on Linux\n")


def listing(d, normalize=False, skip=(b"lost+found", b"linux-")):
    """Every entry below d: its name bytes (hex, so that NFC and NFD stay apart), type, size, sha256."""
    import unicodedata
    for root, dirs, files in os.walk(d):
        if root == d:
            dirs[:] = [n for n in dirs if not n.startswith(skip)]
            files = [n for n in files if not n.startswith(skip)]
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            rel = os.path.relpath(p, d)
            if normalize:
                rel = unicodedata.normalize("NFC", rel.decode()).encode()
            st = os.lstat(p)
            if os.path.isdir(p):
                out(rel.hex(), "dir")
            else:
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                out(rel.hex(), f"{st.st_size} {digest}")


def by_spelling(mnt):
    """Each name reached by both its spellings, and an NFC create that must land on the NFD entry."""
    import unicodedata
    for name in (b"linux-nfc-\xc3\xa9", b"linux-nfd-e\xcc\x81"):
        text = name.decode()
        for form in ("NFC", "NFD"):
            spelled = unicodedata.normalize(form, text).encode()
            attempt(f"read {name.hex()} as {form}", lambda: open(os.path.join(mnt, spelled), "rb").read())
    with open(os.path.join(mnt, "linux-nfd-\u00e9".encode()), "wb") as f:
        f.write(b"rewritten from the Mac\n")
    attempt("entries", lambda: sorted(n.hex() for n in os.listdir(mnt) if n.startswith(b"linux-")))


def sparse_blocks(path):
    out("sparse blocks", os.stat(path).st_blocks)


if __name__ == "__main__":
    mode, args = sys.argv[1], [a.encode() for a in sys.argv[2:]]
    {"populate": lambda: populate(*args), "finder": lambda: finder_metadata(*args), "list": lambda: listing(*args), "list-nfc": lambda: listing(*args, normalize=True),
     "seed": lambda: seed(*args),
     "spelling": lambda: by_spelling(*args), "blocks": lambda: sparse_blocks(*args)}[mode]()
