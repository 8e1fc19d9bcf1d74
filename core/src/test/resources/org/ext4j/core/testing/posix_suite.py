#!/usr/bin/env python3
# POSIX behaviour suite of org.ext4j.core.testing.PosixSuite: run on an ext4j mount and on a kernel
# ext4 mount of the same image, its output (results and errno names, never inode numbers or implicit
# times) must be identical. "run DIR GROUPS" performs the operations, "list DIR GROUPS" prints the
# whole tree, "refuse DIR GROUPS" tries changes on a read-only mount. GROUPS is a comma-separated
# list of the feature groups (PosixFeature, in lower case) the backend supports: the operations of
# the other groups are not run, and the listing leaves out what only they could show.
import ctypes
import errno
import hashlib
import fcntl
import os
import shutil
import stat
import subprocess
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
enabled = set()


def on(*groups):
    """True if every named feature group is switched on."""
    return all(g in enabled for g in groups)


def out(label, value):
    print(f"{label}: {value}", flush=True)


def attempt(label, fn):
    """Runs fn and prints its result, or the errno name it failed with."""
    try:
        result = fn()
        out(label, "ok" if result is None else result)
    except OSError as e:
        out(label, errno.errorcode.get(e.errno, e.errno))


def renameat2(old, new, flags):
    if libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def tool(*args):
    """Runs a command; its output with the tree's path taken out, and its exit status."""
    p = subprocess.run(args, capture_output=True, text=True)
    return f"rc={p.returncode} {p.stdout.strip()} {p.stderr.strip().split(':')[-1].strip() if p.returncode else ''}".strip()


def st(path):
    s = os.lstat(path)
    return f"mode={oct(s.st_mode)} nlink={s.st_nlink} uid={s.st_uid} gid={s.st_gid} size={s.st_size} blocks={s.st_blocks}"


def write(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode=0o644):
    fd = os.open(path, flags, mode)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def as_user(uid, gid, fn):
    """Runs fn in a child with the given ids; prints from the child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            fn()
        finally:
            sys.stdout.flush()
            os._exit(0)
    os.waitpid(pid, 0)


def run(d):
    os.chdir(d)
    os.umask(0o022)
    # create, write, read, append, truncate
    attempt("create", lambda: write("f", b"hello", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    attempt("create excl again", lambda: write("f", b"x", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    attempt("read", lambda: read("f"))
    attempt("append", lambda: write("f", b" world", os.O_WRONLY | os.O_APPEND))
    attempt("read appended", lambda: read("f"))
    attempt("pwrite past end", lambda: write("f", b"!", os.O_WRONLY, 0) and None)
    fd = os.open("f", os.O_RDWR)
    attempt("pwrite", lambda: os.pwrite(fd, b"HE", 0))
    attempt("pread", lambda: os.pread(fd, 100, 0))
    attempt("ftruncate short", lambda: os.ftruncate(fd, 3))
    os.close(fd)
    attempt("stat truncated", lambda: st("f"))
    attempt("truncate extend", lambda: os.truncate("f", 100000))
    attempt("stat extended", lambda: st("f"))
    attempt("read extended tail", lambda: read("f")[99990:])
    attempt("O_TRUNC", lambda: write("f", b"again"))
    attempt("stat O_TRUNC", lambda: st("f"))
    big = bytes(range(256)) * 8192
    attempt("write 2 MiB", lambda: write("big", big))
    attempt("read 2 MiB", lambda: hashlib.sha256(read("big")).hexdigest())
    # sparse files, SEEK_DATA / SEEK_HOLE
    fd = os.open("sparse", os.O_RDWR | os.O_CREAT, 0o644)
    os.pwrite(fd, b"a" * 4096, 0)
    os.pwrite(fd, b"b" * 4096, 1 << 20)
    if on("seek_hole"):
        attempt("seek data 0", lambda: os.lseek(fd, 0, os.SEEK_DATA))
        attempt("seek hole 0", lambda: os.lseek(fd, 0, os.SEEK_HOLE))
        attempt("seek data 8192", lambda: os.lseek(fd, 8192, os.SEEK_DATA))
        attempt("seek hole past data", lambda: os.lseek(fd, (1 << 20) + 10, os.SEEK_HOLE))
        attempt("seek data at end", lambda: os.lseek(fd, (1 << 20) + 4096, os.SEEK_DATA))
    os.close(fd)
    attempt("stat sparse", lambda: st("sparse"))
    if on("fallocate"):
        # fallocate and punch (util-linux)
        attempt("fallocate 64K", lambda: tool("fallocate", "-l", "65536", "prealloc"))
        attempt("stat prealloc", lambda: st("prealloc"))
        if on("seek_hole"):
            attempt("seek data prealloc", lambda: os.lseek(os.open("prealloc", os.O_RDONLY), 0, os.SEEK_DATA))
        attempt("fallocate keep size", lambda: tool("fallocate", "-n", "-o", "65536", "-l", "65536", "prealloc"))
        attempt("stat keep size", lambda: st("prealloc"))
        write("punched", b"p" * 16384)
        attempt("punch", lambda: tool("fallocate", "-p", "-o", "4096", "-l", "8192", "punched"))
        attempt("stat punched", lambda: st("punched"))
        attempt("read punched", lambda: hashlib.sha256(read("punched")).hexdigest())
        attempt("zero range", lambda: tool("fallocate", "-z", "-o", "0", "-l", "4096", "punched"))
        attempt("read zeroed", lambda: read("punched")[:8] + read("punched")[12288:12296])
    if on("copy_file_range"):
        # copy_file_range
        src = os.open("big", os.O_RDONLY)
        dst = os.open("copy", os.O_WRONLY | os.O_CREAT, 0o644)
        attempt("copy_file_range", lambda: os.copy_file_range(src, dst, 3 << 20))
        os.close(src)
        os.close(dst)
        attempt("copy equal", lambda: read("copy") == big)
    # rename, renameat2
    write("r1", b"one")
    write("r2", b"two")
    attempt("rename", lambda: os.rename("r1", "r3"))
    attempt("rename over", lambda: os.rename("r3", "r2"))
    attempt("after rename over", lambda: (os.path.exists("r3"), read("r2")))
    write("r4", b"four")
    if on("rename_flags"):
        attempt("noreplace existing", lambda: renameat2("r4", "r2", RENAME_NOREPLACE))
        attempt("noreplace new", lambda: renameat2("r4", "r5", RENAME_NOREPLACE))
        attempt("exchange", lambda: renameat2("r5", "r2", RENAME_EXCHANGE))
        attempt("after exchange", lambda: (read("r2"), read("r5")))
        attempt("exchange missing", lambda: renameat2("r5", "nothere", RENAME_EXCHANGE))
    os.makedirs("dx/sub")
    write("dx/sub/x", b"x")
    os.mkdir("dy")
    write("dy/y", b"y")
    attempt("rename dir into itself", lambda: os.rename("dx", "dx/sub/inner"))
    attempt("rename dir over non-empty", lambda: os.rename("dx", "dy"))
    attempt("rename file over dir", lambda: os.rename("r2", "dy"))
    attempt("rename dir over file", lambda: os.rename("dx", "r2"))
    if on("rename_flags"):
        attempt("exchange file and dir", lambda: renameat2("r2", "dy", RENAME_EXCHANGE))
        attempt("after exchange dir", lambda: (stat.S_ISDIR(os.lstat("r2").st_mode), read("dy")))
    attempt("rename dir", lambda: os.rename("dx", "dz"))
    attempt("dz nlink", lambda: os.lstat("dz").st_nlink)
    # hard and symbolic links
    if on("hard_links"):
        attempt("link", lambda: os.link("f", "f.link"))
        attempt("nlink", lambda: (os.lstat("f").st_nlink, os.lstat("f.link").st_nlink))
        attempt("link exists", lambda: os.link("f", "f.link"))
        attempt("link dir", lambda: os.link("dz", "dz.link"))
        attempt("unlink one", lambda: os.unlink("f"))
        attempt("nlink after", lambda: os.lstat("f.link").st_nlink)
    else:
        # What follows uses f.link: without hard links it is f, renamed.
        os.rename("f", "f.link")
    attempt("symlink", lambda: os.symlink("f.link", "sym"))
    attempt("readlink", lambda: os.readlink("sym"))
    attempt("lstat symlink", lambda: st("sym"))
    attempt("read through symlink", lambda: read("sym"))
    long_target = "t/" * 1000
    attempt("long symlink", lambda: os.symlink(long_target, "longsym"))
    attempt("readlink long", lambda: os.readlink("longsym") == long_target)
    attempt("dangling", lambda: read(os.symlink("nowhere", "dangle") or "dangle"))
    # mkdir, rmdir, errnos
    attempt("mkdir", lambda: os.mkdir("d1", 0o750))
    attempt("stat d1", lambda: st("d1"))
    attempt("mkdir exists", lambda: os.mkdir("d1"))
    write("d1/child", b"c")
    attempt("rmdir non-empty", lambda: os.rmdir("d1"))
    attempt("rmdir file", lambda: os.rmdir("d1/child"))
    attempt("unlink dir", lambda: os.unlink("d1"))
    attempt("open missing", lambda: os.open("d1/none", os.O_RDONLY))
    attempt("file as dir", lambda: os.open("d1/child/x", os.O_RDONLY))
    attempt("name 255", lambda: write("n" * 255, b"ok"))
    attempt("name 256", lambda: write("n" * 256, b"no"))
    attempt("mkdir 256", lambda: os.mkdir("m" * 256))
    attempt("unlink child", lambda: os.unlink("d1/child"))
    attempt("rmdir", lambda: os.rmdir("d1"))
    attempt("root nlink", lambda: os.lstat(".").st_nlink)
    if on("special_files"):
        attempt("mkfifo", lambda: os.mkfifo("fifo", 0o600))
        attempt("mknod char", lambda: os.mknod("null", 0o666 | stat.S_IFCHR, os.makedev(1, 3)))
        attempt("stat char", lambda: (st("null"), os.major(os.lstat("null").st_rdev), os.minor(os.lstat("null").st_rdev)))
        attempt("mknod big dev", lambda: os.mknod("bigdev", 0o600 | stat.S_IFBLK, os.makedev(300, 70000)))
        attempt("stat big dev", lambda: (os.major(os.lstat("bigdev").st_rdev), os.minor(os.lstat("bigdev").st_rdev)))
    # chmod, chown, times with nanoseconds
    write("t_times", b"t")
    attempt("chmod", lambda: os.chmod("t_times", 0o4751))
    attempt("stat chmod", lambda: st("t_times"))
    attempt("chown", lambda: os.chown("t_times", 1234, 5678))
    attempt("stat chown drops setuid", lambda: st("t_times"))
    attempt("utime ns", lambda: os.utime("t_times", ns=(1_000_000_001_123_456_789, 1_500_000_000_987_654_321)))
    attempt("times", lambda: (os.lstat("t_times").st_atime_ns, os.lstat("t_times").st_mtime_ns))
    attempt("read keeps explicit times", lambda: (read("t_times"), os.lstat("t_times").st_mtime_ns))
    attempt("utime symlink", lambda: os.utime("sym", ns=(5_000_000_000, 6_000_000_007), follow_symlinks=False))
    attempt("symlink times", lambda: os.lstat("sym").st_mtime_ns)
    attempt("utime pre-epoch", lambda: os.utime("t_times", ns=(-1_000_000_000, -2_500_000_000)))
    attempt("times pre-epoch", lambda: (os.lstat("t_times").st_atime_ns, os.lstat("t_times").st_mtime_ns))
    os.mkdir("t_dir", 0o2775)
    attempt("setgid dir", lambda: st("t_dir"))
    os.chown("t_dir", 0, 4321)
    write("t_dir/inherit", b"i")
    os.mkdir("t_dir/subdir")
    attempt("setgid inherit file", lambda: st("t_dir/inherit"))
    attempt("setgid inherit dir", lambda: st("t_dir/subdir"))
    if on("other_users"):
        # permissions as other users (the kernel checks with default_permissions; the core agrees)
        os.mkdir("tmp")
        os.chmod("tmp", 0o1777)
        write("tmp/rootfile", b"r", mode=0o644)
        write("private", b"p", mode=0o600)

        def user_a():
            attempt("user write root file", lambda: write("tmp/rootfile", b"x", os.O_WRONLY))
            attempt("user read private", lambda: read("private"))
            attempt("user create in sticky", lambda: write("tmp/mine", b"m", mode=0o664))
            attempt("user chmod root file", lambda: os.chmod("tmp/rootfile", 0o777))
            attempt("user unlink root file in sticky", lambda: os.unlink("tmp/rootfile"))
            attempt("user mkdir in root dir", lambda: os.mkdir("nope"))

        def user_b():
            attempt("other unlink in sticky", lambda: os.unlink("tmp/mine"))
            attempt("other touch now", lambda: os.utime("tmp/mine"))
            attempt("other append", lambda: write("tmp/mine", b"b", os.O_WRONLY | os.O_APPEND))

        as_user(1000, 1000, user_a)
        as_user(1001, 1000, user_b)
        attempt("stat user file", lambda: st("tmp/mine"))
        write("suid", b"#!/bin/sh\n", mode=0o6775)
        os.chmod("suid", 0o6775)
        os.chown("suid", 1000, 1000)
        os.chmod("suid", 0o6775)
        as_user(1001, 1000, lambda: attempt("group write suid", lambda: write("suid", b"x", os.O_WRONLY | os.O_APPEND)))
        attempt("suid after group write", lambda: st("suid"))
    if on("xattrs"):
        # xattrs
        attempt("setxattr", lambda: os.setxattr("f.link", "user.colour", b"blue"))
        attempt("setxattr big", lambda: os.setxattr("f.link", "user.big", b"z" * 3000))
        attempt("getxattr", lambda: os.getxattr("f.link", "user.colour"))
        attempt("listxattr", lambda: sorted(os.listxattr("f.link")))
        attempt("xattr create existing", lambda: os.setxattr("f.link", "user.colour", b"red", os.XATTR_CREATE))
        attempt("xattr replace missing", lambda: os.setxattr("f.link", "user.none", b"x", os.XATTR_REPLACE))
        attempt("removexattr", lambda: os.removexattr("f.link", "user.big"))
        attempt("remove missing", lambda: os.removexattr("f.link", "user.big"))
        attempt("getxattr missing", lambda: os.getxattr("f.link", "user.big"))
        attempt("user xattr on symlink", lambda: os.setxattr("sym", "user.x", b"1", follow_symlinks=False))
        attempt("trusted xattr", lambda: os.setxattr("f.link", "trusted.t", b"root only"))
        attempt("setfattr", lambda: tool("setfattr", "-n", "user.tool", "-v", "0x0102ff", "f.link"))
        attempt("getfattr", lambda: tool("getfattr", "-d", "-e", "hex", "-m", "-", "f.link"))
    if on("acls"):
        # POSIX ACLs
        write("acl", b"a", mode=0o640)
        attempt("setfacl", lambda: tool("setfacl", "-m", "u:1234:rwx,g:99:r", "acl"))
        attempt("getfacl", lambda: tool("getfacl", "-n", "acl"))
        attempt("stat acl", lambda: st("acl"))
        if on("other_users"):
            write("acl-granted", b"g", mode=0o600)
            tool("setfacl", "-m", "u:1234:rw", "acl-granted")
            as_user(1234, 1234, lambda: attempt("acl user write", lambda: write("acl-granted", b"w", os.O_WRONLY)))
            os.unlink("acl-granted")
        if on("other_users"):
            as_user(1235, 1235, lambda: attempt("non-acl user read", lambda: read("acl")))
        os.mkdir("acldir", 0o755)
        attempt("setfacl default", lambda: tool("setfacl", "-d", "-m", "u:1234:rx,g::rwx,o::-", "acldir"))
        attempt("getfacl default", lambda: tool("getfacl", "-n", "acldir"))
        write("acldir/file", b"f", mode=0o666)
        os.mkdir("acldir/sub", 0o777)
        attempt("inherited file acl", lambda: tool("getfacl", "-n", "acldir/file"))
        attempt("inherited dir acl", lambda: tool("getfacl", "-n", "acldir/sub"))
        attempt("inherited modes", lambda: (st("acldir/file"), st("acldir/sub")))
        attempt("remove acl", lambda: tool("setfacl", "-b", "acl"))
        attempt("stat acl removed", lambda: st("acl"))
    if on("inode_flags"):
        # chattr / lsattr
        write("immutable", b"i")
        attempt("chattr +i", lambda: tool("chattr", "+i", "immutable"))
        attempt("lsattr +i", lambda: tool("lsattr", "immutable"))
        attempt("write immutable", lambda: write("immutable", b"x", os.O_WRONLY))
        attempt("unlink immutable", lambda: os.unlink("immutable"))
        attempt("rename immutable", lambda: os.rename("immutable", "moved"))
        attempt("chmod immutable", lambda: os.chmod("immutable", 0o600))
        if on("xattrs"):
            attempt("xattr immutable", lambda: os.setxattr("immutable", "user.x", b"1"))
        attempt("chattr -i", lambda: tool("chattr", "-i", "immutable"))
        attempt("unlink mutable", lambda: os.unlink("immutable"))
        write("appendonly", b"a")
        attempt("chattr +a", lambda: tool("chattr", "+a", "appendonly"))
        attempt("lsattr +a", lambda: tool("lsattr", "appendonly"))
        attempt("append to +a", lambda: write("appendonly", b"b", os.O_WRONLY | os.O_APPEND))
        attempt("overwrite +a", lambda: write("appendonly", b"c", os.O_WRONLY))
        attempt("truncate +a", lambda: os.truncate("appendonly", 0))
        attempt("read +a", lambda: read("appendonly"))
        attempt("lsattr dir", lambda: tool("lsattr", "-d", "dz"))
        attempt("chattr +d dir", lambda: tool("chattr", "+d", "dz"))
        attempt("lsattr +d", lambda: tool("lsattr", "-d", "dz"))
        if on("other_users"):
            attempt("chattr as user", lambda: as_user(1000, 1000, lambda: attempt("user chattr", lambda: tool("chattr", "+i", "tmp/mine"))))
    # statfs
    s = os.statvfs(".")
    attempt("statvfs", lambda: (s.f_bsize, s.f_frsize, s.f_blocks, s.f_files, s.f_namemax))
    attempt("statvfs free counts after 10 files of 64 KiB", free_counts_follow)
    attempt("fsync", lambda: os.fsync(os.open("big", os.O_RDONLY)))
    attempt("fdatasync", lambda: os.fdatasync(os.open("big", os.O_WRONLY)))
    attempt("unlink open file", lambda: unlink_open())
    if on("other_users"):
        exec_permissions()
    fresh_attributes()
    if on("file_handles"):
        file_handles(d)


def free_counts_follow():
    """ext4's free counts are per-cpu counters that move at each allocation, not at unmount."""
    os.mkdir("counted")
    os.sync()
    before = os.statvfs(".")
    for i in range(10):
        write(f"counted/f{i}", b"c" * 65536)
    os.sync()
    after = os.statvfs(".")
    return (before.f_ffree - after.f_ffree, before.f_bfree - after.f_bfree)


def unlink_open():
    fd = os.open("open-unlinked", os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, b"still here")
    os.unlink("open-unlinked")
    data = os.pread(fd, 100, 0)
    os.close(fd)
    return (data, os.path.exists("open-unlinked"))


def listing(d):
    """Every name below d with what stat, readlink, the content, xattrs and lsattr say."""
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            rel = os.path.relpath(p, d)
            if rel.startswith("lost+found"):
                continue
            s = os.lstat(p)
            line = f"{rel} mode={oct(s.st_mode)} uid={s.st_uid} gid={s.st_gid} nlink={s.st_nlink}"
            if stat.S_ISREG(s.st_mode):
                line += f" size={s.st_size} blocks={s.st_blocks} sha={hashlib.sha256(read(p)).hexdigest()[:16]}"
            if stat.S_ISLNK(s.st_mode):
                line += f" -> {os.readlink(p)[:40]}"
            if stat.S_ISCHR(s.st_mode) or stat.S_ISBLK(s.st_mode):
                line += f" rdev={os.major(s.st_rdev)},{os.minor(s.st_rdev)}"
            # Only explicitly set times can match; access times are left out because ext4j does not
            # update them on reads (no relatime), which the kernel's ext4 does.
            if rel in ("t_times", "sym"):
                line += f" mtime={s.st_mtime_ns}"
            # ACLs are the system.posix_acl_* xattrs, so either group shows them here.
            if on("xattrs") or on("acls"):
                try:
                    names = sorted(os.listxattr(p, follow_symlinks=False))
                    line += " xattrs=" + ",".join(f"{n}={os.getxattr(p, n, follow_symlinks=False).hex()}" for n in names)
                except OSError as e:
                    line += " xattrs=" + errno.errorcode.get(e.errno, str(e.errno))
            if on("inode_flags") and (stat.S_ISREG(s.st_mode) or stat.S_ISDIR(s.st_mode)):
                line += " lsattr=" + tool("lsattr", "-d", p).split()[1]
            print(line)


def refuse(d):
    """On a read-only mount: every change must fail with EROFS."""
    ops = [("mkdir", lambda: os.mkdir(d + "/x")), ("unlink", lambda: os.unlink(d + "/big")),
           ("chmod", lambda: os.chmod(d + "/big", 0o600))]
    if on("xattrs"):
        ops.append(("setxattr", lambda: os.setxattr(d + "/big", "user.x", b"1")))
    ops.append(("write", lambda: os.open(d + "/big", os.O_WRONLY)))
    for name, op in ops:
        attempt(name, op)


def exec_permissions():
    """Running a program needs only the x bit: the server must not ask for read permission too."""
    for name, mode in (("x0711", 0o711), ("x0001", 0o001), ("x0644", 0o644)):
        shutil.copyfile("/bin/true", name)
        os.chmod(name, mode)
    for name in ("x0711", "x0001"):
        as_user(65534, 65534, lambda: attempt(f"other exec {name}", lambda: subprocess.run(["./" + name]).returncode))
        as_user(65534, 65534, lambda: attempt(f"other read {name}", lambda: len(read(name))))
    attempt("root exec x0644", lambda: subprocess.run(["./x0644"]).returncode)


STATX_MODE = 0x2
STATX_CTIME = 0x80
AT_SYMLINK_NOFOLLOW = 0x100
FS_IOC_FSGETXATTR = 0x801C581F
FS_IOC_FSSETXATTR = 0x401C5820
FS_XFLAG_NODUMP = 0x80
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_ZERO_RANGE = 0x10


def statx(path, mask):
    """statx(2) asking for mask only, as stat -c %A does: the kernel may answer from its cache."""
    buf = ctypes.create_string_buffer(256)
    if libc.statx(AT_FDCWD, path.encode(), AT_SYMLINK_NOFOLLOW, mask, buf) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return buf.raw


def statx_mode(path):
    return oct(int.from_bytes(statx(path, STATX_MODE)[28:30], "little"))


def statx_ctime(path):
    raw = statx(path, STATX_CTIME)
    return int.from_bytes(raw[96:104], "little", signed=True), int.from_bytes(raw[104:108], "little")


def ctime_moves(path, change):
    """True when the ctime seen right after change() differs from the one seen before it."""
    before = statx_ctime(path)
    # Past the kernel's coarse clock tick (before multigrain timestamps, 6.13), so that a change shows.
    time.sleep(0.02)
    change()
    return statx_ctime(path) != before


def fallocate(path, mode, offset, length):
    fd = os.open(path, os.O_WRONLY)
    try:
        if libc.fallocate(fd, ctypes.c_int(mode), ctypes.c_long(offset), ctypes.c_long(length)) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    finally:
        os.close(fd)


def set_xflags(path, add):
    fd = os.open(path, os.O_RDONLY)
    try:
        fsx = bytearray(28)
        fcntl.ioctl(fd, FS_IOC_FSGETXATTR, fsx, True)
        flags = int.from_bytes(fsx[0:4], sys.byteorder) | add
        fsx[0:4] = flags.to_bytes(4, sys.byteorder)
        fcntl.ioctl(fd, FS_IOC_FSSETXATTR, bytes(fsx))
    finally:
        os.close(fd)


def fresh_attributes():
    """What stat shows right after a change the kernel did not make itself (no attribute timeout waited for)."""
    write("fresh", b"f")
    if on("inode_flags"):
        attempt("chattr +A moves ctime", lambda: ctime_moves("fresh", lambda: tool("chattr", "+A", "fresh")))
        attempt("chattr -A moves ctime", lambda: ctime_moves("fresh", lambda: tool("chattr", "-A", "fresh")))
        attempt("FSSETXATTR moves ctime", lambda: ctime_moves("fresh", lambda: set_xflags("fresh", FS_XFLAG_NODUMP)))
        attempt("lsattr after FSSETXATTR", lambda: tool("lsattr", "fresh").split()[1])
    if on("xattrs"):
        attempt("setxattr moves ctime", lambda: ctime_moves("fresh", lambda: os.setxattr("fresh", "user.f", b"1")))
        attempt("removexattr moves ctime", lambda: ctime_moves("fresh", lambda: os.removexattr("fresh", "user.f")))
    if on("acls"):
        write("fresh-acl", b"a", mode=0o640)
        os.chmod("fresh-acl", 0o640)
        attempt("setfacl mode", lambda: (tool("setfacl", "-m", "u:1234:rwx", "fresh-acl"), statx_mode("fresh-acl")))
    if not on("other_users"):
        return
    # setuid and setgid (with group execute) go when someone without CAP_FSETID changes the file.
    changes = [("write", lambda p: write(p, b"w", os.O_WRONLY)),
               ("write sgid no group x", lambda p: write(p, b"w", os.O_WRONLY)),
               ("O_TRUNC", lambda p: os.close(os.open(p, os.O_WRONLY | os.O_TRUNC))),
               ("ftruncate", lambda p: os.truncate(p, 1))]
    if on("fallocate"):
        changes += [("fallocate", lambda p: fallocate(p, 0, 0, 8192)),
                    ("punch hole", lambda p: fallocate(p, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)),
                    ("zero range", lambda p: fallocate(p, FALLOC_FL_ZERO_RANGE, 0, 4096))]
    if on("copy_file_range"):
        def copy_into(p):
            src = os.open("fresh", os.O_RDONLY)
            dst = os.open(p, os.O_WRONLY)
            try:
                return os.copy_file_range(src, dst, 1)
            finally:
                os.close(src)
                os.close(dst)
        changes.append(("copy_file_range", copy_into))
    for label, change in changes:
        path = "priv-" + label.replace(" ", "-")
        write(path, b"x" * 8192, mode=0o644)
        os.chown(path, 1000, 1000)
        os.chmod(path, 0o6766 if "no group x" in label else 0o6776)
        statx_mode(path)

        def as_group_member():
            attempt(label + " by group member", lambda: (change(path), None)[1])
            attempt(label + " mode after", lambda: statx_mode(path))

        as_user(1001, 1000, as_group_member)
    if on("acls"):
        write("priv-acl", b"a", mode=0o644)
        os.chown("priv-acl", 1000, 2000)
        os.chmod("priv-acl", 0o2770)
        statx_mode("priv-acl")

        def owner_outside_group():
            attempt("setfacl by owner outside group", lambda: tool("setfacl", "-m", "u:1234:r", "priv-acl"))
            attempt("setfacl sgid mode after", lambda: statx_mode("priv-acl"))

        as_user(1000, 1000, owner_outside_group)


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 128)]


def name_to_handle(path):
    fh = FileHandle()
    fh.handle_bytes = 128
    mount_id = ctypes.c_int()
    if libc.name_to_handle_at(AT_FDCWD, path.encode(), ctypes.byref(fh), ctypes.byref(mount_id), 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return fh


def open_by_handle(mount_dir, fh):
    """Opens what the handle names and describes it: a directory's names, a file's bytes."""
    mount_fd = os.open(mount_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = libc.open_by_handle_at(mount_fd, ctypes.byref(fh), os.O_RDONLY)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    finally:
        os.close(mount_fd)
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            return sorted(n for n in os.listdir(fd) if n != "lost+found")
        return os.pread(fd, 100, 0)
    finally:
        os.close(fd)


def forged_handle(like, ino, generation):
    """A handle of the kind of like for inode ino: ext4's type 1 is (u32 ino, u32 generation),
    FUSE's type 0x81 (node id high and low halves, u32 generation); FUSE node ids are inode numbers."""
    if like.handle_type == 1:
        raw = ino.to_bytes(4, sys.byteorder) + generation.to_bytes(4, sys.byteorder)
    else:
        raw = (ino >> 32).to_bytes(4, sys.byteorder) + (ino & 0xFFFFFFFF).to_bytes(4, sys.byteorder) \
            + generation.to_bytes(4, sys.byteorder)
    fh = FileHandle()
    fh.handle_bytes = len(raw)
    fh.handle_type = like.handle_type
    ctypes.memmove(fh.f_handle, raw, len(raw))
    return fh


def drop_caches():
    """Makes the kernel forget unused inodes, so that a handle must be resolved by the filesystem."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2")


def handles_file(d):
    """Where run keeps the handles for reopen: beside the mount point, outside the compared tree."""
    return os.path.normpath(d) + ".handles"


def file_handles(d):
    write("fh-file", b"named by a handle")
    os.mkdir("fh-dir")
    write("fh-dir/inner", b"i")
    kept = {name: name_to_handle(name) for name in ("fh-file", "fh-dir", ".")}
    write("fh-gone", b"g")
    kept["fh-gone"] = name_to_handle("fh-gone")
    os.unlink("fh-gone")
    drop_caches()
    for name, fh in kept.items():
        attempt(f"open by handle {name}", lambda: open_by_handle(d, fh))
    # The journal (inode 8, generation 0) is no file: no handle may reach it.
    attempt("open by forged handle of the journal", lambda: open_by_handle(d, forged_handle(kept["."], 8, 0)))
    write("fh-old", b"o")
    old = name_to_handle("fh-old")
    old_ino = os.lstat("fh-old").st_ino
    os.unlink("fh-old")
    drop_caches()
    reused = False
    for i in range(64):
        write(f"fh-new-{i}", b"n")
        if os.lstat(f"fh-new-{i}").st_ino == old_ino:
            reused = True
            break
    out("inode number reused", reused)
    drop_caches()
    attempt("open by handle of a reused inode", lambda: open_by_handle(d, old))
    with open(handles_file(d), "w") as f:
        for name, fh in kept.items():
            f.write(f"{name} {fh.handle_type} {bytes(fh.f_handle[:fh.handle_bytes]).hex()}\n")


def reopen(d):
    """After an unmount and a new mount: the handles run kept still name the same files (or are stale)."""
    if not on("file_handles"):
        return
    with open(handles_file(d)) as f:
        for line in f:
            name, handle_type, data = line.split()
            raw = bytes.fromhex(data)
            fh = FileHandle()
            fh.handle_bytes = len(raw)
            fh.handle_type = int(handle_type)
            ctypes.memmove(fh.f_handle, raw, len(raw))
            attempt(f"open by handle {name} after remount", lambda: open_by_handle(d, fh))


if __name__ == "__main__":
    mode, directory = sys.argv[1], sys.argv[2]
    enabled.update(g for g in sys.argv[3].split(",") if g)
    {"run": run, "list": listing, "refuse": refuse, "reopen": reopen}[mode](directory)

