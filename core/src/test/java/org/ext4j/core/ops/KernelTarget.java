package org.ext4j.core.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Tools;

// The kernel's ext4 behind the SPI: each operation runs on a loop mount as the caller, as a tool (chmod, chown, chattr) or a system call from python3.
/**
 * Operations are addressed by path (the model names the inode), so an operation the kernel
 * would refuse during the path walk (a caller who may not search some ancestor of the target or
 * of the directory named) or that the tools cannot express (a symlink's mode, a non-ASCII path
 * for a tool) throws ENOSYS and is counted as skipped by the runner. create, mknod, mkdir,
 * symlink, link, unlink, rmdir, rename (renameat2 with its flags), write (open O_WRONLY and
 * pwrite), truncate, fallocate (open O_WRONLY and fallocate), O_TMPFILE (opened and closed),
 * setxattr, removexattr, utimensat and every getattr are system calls from python3, with paths passed as bytes and errnos as
 * numbers; reads and directory
 * listings through the SPI are not expressed (the final image comparison covers contents and
 * listings).
 */
final class KernelTarget implements WritableFileSystem {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Map<String, Errno> STRERROR = Map.ofEntries(
            Map.entry("Operation not permitted", Errno.EPERM), Map.entry("No such file or directory", Errno.ENOENT),
            Map.entry("Permission denied", Errno.EACCES), Map.entry("File exists", Errno.EEXIST),
            Map.entry("Not a directory", Errno.ENOTDIR), Map.entry("Is a directory", Errno.EISDIR),
            Map.entry("Invalid argument", Errno.EINVAL), Map.entry("No space left on device", Errno.ENOSPC),
            Map.entry("Read-only file system", Errno.EROFS), Map.entry("Too many links", Errno.EMLINK),
            Map.entry("File name too long", Errno.ENAMETOOLONG), Map.entry("Directory not empty", Errno.ENOTEMPTY),
            Map.entry("Operation not supported", Errno.EOPNOTSUPP), Map.entry("No data available", Errno.ENODATA),
            Map.entry("Numerical result out of range", Errno.ERANGE), Map.entry("File too large", Errno.EFBIG),
            Map.entry("Device or resource busy", Errno.EBUSY), Map.entry("Argument list too long", Errno.E2BIG));
    /** chattr's letters for the flags it can set. */
    private static final Map<Integer, Character> CHATTR = Map.ofEntries(Map.entry(0x1, 's'), Map.entry(0x2, 'u'),
            Map.entry(0x4, 'c'), Map.entry(0x8, 'S'), Map.entry(0x10, 'i'), Map.entry(0x20, 'a'), Map.entry(0x40, 'd'),
            Map.entry(0x80, 'A'), Map.entry(0x4000, 'j'), Map.entry(0x8000, 't'), Map.entry(0x10000, 'D'),
            Map.entry(0x20000, 'T'), Map.entry(0x80000, 'e'), Map.entry(0x2000000, 'x'), Map.entry(0x20000000, 'P'),
            Map.entry(0x40000000, 'F'));

    private final Path mount;
    private final ModelFileSystem model;

    KernelTarget(Path mount, ModelFileSystem model) {
        this.mount = mount;
        this.model = model;
    }

    private static Ext4Exception inexpressible(String what) {
        return new Ext4Exception(Errno.ENOSYS, "not expressible on the kernel: " + what);
    }

    /** The mounted path of {@code ino}, if {@code caller} could reach it by name. */
    private Path path(Caller caller, long ino) {
        String relative = model.pathOf(ino);
        if (relative == null) {
            throw inexpressible("inode " + ino + " has no name");
        }
        if (!caller.isRoot() && !model.searchable(caller, relative)) {
            throw inexpressible("uid " + caller.uid() + " cannot walk to " + relative);
        }
        if (!relative.chars().allMatch(ch -> ch < 0x80)) {
            // chmod/chown/chattr get the path as a Java string, which does not keep every byte.
            throw inexpressible("non-ASCII path for a command-line tool");
        }
        return relative.isEmpty() ? mount : mount.resolve(relative);
    }

    /** Runs {@code command} as {@code caller}; a failure becomes the errno its message names. */
    private static void run(Caller caller, List<String> command) {
        List<String> full = new ArrayList<>();
        if (!caller.isRoot()) {
            full.addAll(List.of("setpriv", "--reuid=" + caller.uid(), "--regid=" + caller.gid()));
            if (caller.groups().length == 0) {
                full.add("--clear-groups");
            } else {
                StringBuilder groups = new StringBuilder();
                for (long g : caller.groups()) {
                    groups.append(groups.length() == 0 ? "" : ",").append(g);
                }
                full.add("--groups=" + groups);
            }
        }
        full.addAll(command);
        Tools.Result result = Tools.run(full, TIMEOUT);
        if (result.exitCode() == 0) {
            return;
        }
        for (Map.Entry<String, Errno> e : STRERROR.entrySet()) {
            if (result.stderr().contains(e.getKey())) {
                throw new Ext4Exception(e.getValue(), "kernel: " + result.stderr().trim());
            }
        }
        throw new AssertionError(result.describe("failed without a known error"));
    }

    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        ModelFileSystem.Node node = model.node(ino);
        Path p = path(caller, ino);
        String file = p.toString();
        if (changes.size().isPresent()) {
            byte[] target = pathBytes(caller, ino);
            return syscall(caller, "truncate", target, hex(target), Long.toString(changes.size().getAsLong())).attributes();
        }
        if (changes.mode().isPresent()) {
            if (node.type() == FileType.SYMLINK) {
                throw inexpressible("chmod(1) follows symbolic links");
            }
            // Five digits: GNU chmod keeps a directory's setuid/setgid bits for a four-digit mode.
            run(caller, List.of("chmod", String.format("%05o", changes.mode().getAsInt()), "--", file));
        } else if (changes.uid().isPresent() || changes.gid().isPresent()) {
            String spec = (changes.uid().isPresent() ? "+" + changes.uid().getAsLong() : "")
                    + (changes.gid().isPresent() ? ":+" + changes.gid().getAsLong() : "");
            run(caller, List.of("chown", "-h", spec, "--", file));
        } else {
            run(caller, touch(changes.atime(), changes.mtime(), file));
        }
        return getattr(ino);
    }

    /**
     * utimensat(2) itself, through Python's ctypes (touch -d goes through a double and loses
     * nanoseconds on far-off dates, and cannot give two different times): UTIME_NOW and
     * UTIME_OMIT as the kernel takes them, AT_SYMLINK_NOFOLLOW.
     */
    private static final String UTIMENSAT = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "class TS(ctypes.Structure): _fields_ = [('s', ctypes.c_long), ('ns', ctypes.c_long)]",
            "a = [int(x) for x in sys.argv[2:6]]",
            "t = (TS * 2)(TS(a[0], a[1]), TS(a[2], a[3]))",
            "if libc.utimensat(-100, os.fsencode(sys.argv[1]), t, 0x100) != 0:",
            "    sys.stderr.write(os.strerror(ctypes.get_errno()) + '\\n'); sys.exit(1)");
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private static List<String> touch(TimeChange atime, TimeChange mtime, String file) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", UTIMENSAT, file));
        for (TimeChange t : List.of(atime, mtime)) {
            if (t instanceof TimeChange.SetTo set) {
                cmd.add(Long.toString(set.time().seconds()));
                cmd.add(Integer.toString(set.time().nanos()));
            } else {
                cmd.add("0");
                cmd.add(Long.toString(t instanceof TimeChange.Now ? UTIME_NOW : UTIME_OMIT));
            }
        }
        return cmd;
    }

    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        ModelFileSystem.Node node = model.node(ino);
        if (node.type() != FileType.REGULAR && !node.isDir()) {
            throw inexpressible("chattr opens the file, which for a device is the device");
        }
        Path p = path(caller, ino);
        if (!caller.isRoot() && !ModelFileSystem.allowed(caller, node, 4)) {
            throw inexpressible("chattr needs read permission to open the file");
        }
        int current = model.getflags(ino);
        if (!node.isDir() && ((flags ^ current) & 0x10000) != 0) {
            throw inexpressible("chattr drops DIRSYNC on anything but a directory before asking the kernel");
        }
        StringBuilder add = new StringBuilder();
        StringBuilder remove = new StringBuilder();
        for (int bit = 0; bit < 32; bit++) {
            int mask = 1 << bit;
            if (((flags ^ current) & mask) == 0) {
                continue;
            }
            Character letter = CHATTR.get(mask);
            if (letter == null) {
                throw inexpressible(String.format("flag 0x%x has no chattr letter", mask));
            }
            ((flags & mask) != 0 ? add : remove).append(letter);
        }
        List<String> cmd = new ArrayList<>(List.of("chattr"));
        if (add.length() > 0) {
            cmd.add("+" + add);
        }
        if (remove.length() > 0) {
            cmd.add("-" + remove);
        }
        if (cmd.size() == 1) {
            throw inexpressible("no change");
        }
        cmd.add("--");
        cmd.add(p.toString());
        run(caller, cmd);
        return getattr(ino);
    }

    @Override
    public Attributes getattr(long ino) {
        byte[] p = pathBytes(Caller.ROOT, ino);
        return syscall(Caller.ROOT, "stat", p).attributes();
    }

    /** The flags lsattr -d shows, read back into FS_*_FL bits. */
    private static int lsattr(Path p) {
        Tools.Result result = Tools.run(List.of("lsattr", "-d", "-l", "--", p.toString()), TIMEOUT).requireExit(0);
        String line = result.stdout().trim();
        String names = line.substring(p.toString().length()).trim();
        int flags = 0;
        Map<String, Integer> byName = Map.ofEntries(Map.entry("Secure_Deletion", 0x1), Map.entry("Undelete", 0x2),
                Map.entry("Compression_Requested", 0x4), Map.entry("Synchronous_Updates", 0x8),
                Map.entry("Immutable", 0x10), Map.entry("Append_Only", 0x20), Map.entry("No_Dump", 0x40),
                Map.entry("No_Atime", 0x80), Map.entry("Journaled_Data", 0x4000), Map.entry("No_Tailmerging", 0x8000),
                Map.entry("Synchronous_Directory_Updates", 0x10000), Map.entry("Top_of_Directory_Hierarchies", 0x20000),
                Map.entry("Extents", 0x80000), Map.entry("DAX", 0x2000000), Map.entry("Project_Hierarchy", 0x20000000),
                Map.entry("Casefold", 0x40000000), Map.entry("Indexed_directory", 0x1000), Map.entry("Inline_Data", 0x10000000));
        for (String name : names.split(",\\s*")) {
            flags |= byName.getOrDefault(name.trim(), 0);
        }
        return flags;
    }

    private static Ext4Exception notExpressed(String op) {
        return inexpressible(op + " is not run on the kernel yet");
    }

    /**
     * One operation as the kernel's system call, by python3 running as root: a forked child takes
     * the caller's groups, gid and uid (dropping every capability, as setpriv would) and makes
     * the call; the parent reports its errno, or for a success the written count and the lstat
     * plus FS_IOC_GETFLAGS of a result path. Paths and names travel hex-encoded, so any byte
     * reaches the kernel as generated. Arguments: uid gid groups|- op result-path|- op-args...
     */
    private static final String SYSCALL = String.join("\n",
            "import ctypes, fcntl, os, stat, struct, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "uid, gid, groups, op, result = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]",
            "a = sys.argv[6:]",
            "h = lambda x: bytes.fromhex(x)",
            "data = open(a[2], 'rb').read() if op == 'write' else None",
            "r, w = os.pipe()",
            "pid = os.fork()",
            "if pid == 0:",
            "    os.close(r)",
            "    try:",
            "        os.umask(0)",
            "        if uid != 0:",
            "            os.setgroups([] if groups == '-' else [int(g) for g in groups.split(',')])",
            "            os.setresgid(gid, gid, gid)",
            "            os.setresuid(uid, uid, uid)",
            "        n = 0",
            "        if op == 'create': os.close(os.open(h(a[0]), os.O_RDWR | os.O_CREAT | os.O_EXCL, int(a[1])))",
            "        elif op == 'mknod': os.mknod(h(a[0]), int(a[1]), os.makedev(int(a[2]), int(a[3])))",
            "        elif op == 'mkdir': os.mkdir(h(a[0]), int(a[1]))",
            "        elif op == 'tmpfile': os.close(os.open(h(a[0]), os.O_TMPFILE | os.O_RDWR | os.O_EXCL, int(a[1])))",
            "        elif op == 'symlink': os.symlink(h(a[1]), h(a[0]))",
            "        elif op == 'link': os.link(h(a[0]), h(a[1]), follow_symlinks=False)",
            "        elif op == 'unlink': os.unlink(h(a[0]))",
            "        elif op == 'rmdir': os.rmdir(h(a[0]))",
            "        elif op == 'rename':",
            "            if libc.renameat2(-100, h(a[0]), -100, h(a[1]), int(a[2])) != 0:",
            "                e = ctypes.get_errno(); raise OSError(e, os.strerror(e))",
            "        elif op == 'write':",
            "            fd = os.open(h(a[0]), os.O_WRONLY)",
            "            try: n = os.pwrite(fd, data, int(a[1]))",
            "            finally: os.close(fd)",
            "        elif op == 'truncate': os.truncate(h(a[0]), int(a[1]))",
            "        elif op == 'fallocate':",
            "            libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]",
            "            fd = os.open(h(a[0]), os.O_WRONLY)",
            "            try:",
            "                if libc.fallocate(fd, int(a[1]), int(a[2]), int(a[3])) != 0:",
            "                    e = ctypes.get_errno(); raise OSError(e, os.strerror(e))",
            "            finally: os.close(fd)",
            "        elif op == 'setxattr': os.setxattr(h(a[0]), a[1], h(a[2]), int(a[3]), follow_symlinks=False)",
            "        elif op == 'removexattr': os.removexattr(h(a[0]), a[1], follow_symlinks=False)",
            "        elif op != 'stat': raise SystemExit(200)",
            "        os.write(w, str(n).encode())",
            "        os._exit(0)",
            "    except OSError as e:",
            "        os._exit(e.errno)",
            "os.close(w)",
            "count = os.read(r, 64).decode()",
            "code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])",
            "if code != 0:",
            "    print('errno', code); sys.exit(0)",
            "out = ['ok', count or '0']",
            "if result != '-':",
            "    try: s = os.lstat(h(result))",
            "    except FileNotFoundError: print('errno 2'); sys.exit(0)",
            "    flags = 0",
            "    if stat.S_ISREG(s.st_mode) or stat.S_ISDIR(s.st_mode):",
            "        fd = os.open(h(result), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)",
            "        try: flags = struct.unpack('i', fcntl.ioctl(fd, 0x80086601, b'\\0' * 8)[:4])[0]",
            // A mount whose host carries no inode flags (WinFsp) answers ENOTTY: nothing to compare.
            "        except OSError as e:",
            "            if e.errno != 25: raise",
            "        finally: os.close(fd)",
            "    out += [s.st_ino, s.st_mode, s.st_nlink, s.st_uid, s.st_gid, s.st_size, os.major(s.st_rdev),",
            "            os.minor(s.st_rdev), s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns, flags]",
            "print(*out)");

    /** What one {@link #SYSCALL} run answered: the count a write returned and the result path's attributes. */
    private record Answer(int count, Attributes attributes) {
    }

    /** The mounted path of {@code ino} as bytes, if {@code caller} could walk to it. */
    private byte[] pathBytes(Caller caller, long ino) {
        String relative = model.pathOf(ino);
        if (relative == null) {
            throw inexpressible("inode " + ino + " has no name");
        }
        if (!caller.isRoot() && !model.searchable(caller, relative)) {
            throw inexpressible("uid " + caller.uid() + " cannot walk to " + relative);
        }
        byte[] base = mount.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] rel = ModelFileSystem.bytes(relative);
        if (base.length + 1 + rel.length > 4000) {
            throw inexpressible("path of inode " + ino + " is longer than PATH_MAX");
        }
        return rel.length == 0 ? base : concat(base, new byte[] {'/'}, rel);
    }

    /** {@code name} in directory {@code parent}, as bytes, if {@code caller} could walk to the directory. */
    private byte[] entryBytes(Caller caller, long parent, byte[] name) {
        byte[] p = concat(pathBytes(caller, parent), new byte[] {'/'}, name);
        if (p.length > 4000) {
            throw inexpressible("path longer than PATH_MAX");
        }
        return p;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    /** Runs {@code op} as {@code caller} through {@link #SYSCALL}; a failure throws its errno. */
    private static Answer syscall(Caller caller, String op, byte[] result, String... args) {
        StringBuilder groups = new StringBuilder();
        for (long g : caller.groups()) {
            groups.append(groups.length() == 0 ? "" : ",").append(g);
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", SYSCALL, Long.toString(caller.uid()),
                Long.toString(caller.gid()), groups.length() == 0 ? "-" : groups.toString(), op,
                result == null ? "-" : hex(result)));
        cmd.addAll(List.of(args));
        Tools.Result r = Tools.run(cmd, TIMEOUT).requireExit(0);
        String[] w = r.stdout().trim().split(" ");
        if (w[0].equals("errno")) {
            int code = Integer.parseInt(w[1]);
            for (Errno e : Errno.values()) {
                if (e.code() == code) {
                    throw new Ext4Exception(e, "kernel: " + op + " errno " + code);
                }
            }
            throw new AssertionError("kernel " + op + " failed with errno " + code + ", which Errno lacks");
        }
        int count = Integer.parseInt(w[1]);
        if (result == null) {
            return new Answer(count, null);
        }
        int mode = Integer.parseInt(w[3]);
        FileType type = FileType.fromMode(mode);
        Timestamp[] times = new Timestamp[3];
        for (int i = 0; i < 3; i++) {
            java.math.BigInteger[] qr = new java.math.BigInteger(w[10 + i]).divideAndRemainder(java.math.BigInteger.valueOf(1_000_000_000L));
            long seconds = qr[0].longValueExact();
            long nanos = qr[1].longValueExact();
            if (nanos < 0) {
                seconds--;
                nanos += 1_000_000_000L;
            }
            times[i] = new Timestamp(seconds, (int) nanos);
        }
        return new Answer(count, new Attributes(Long.parseLong(w[2]), type, mode, Integer.parseInt(w[4]),
                Long.parseLong(w[5]), Long.parseLong(w[6]), Long.parseLong(w[7]), 0, 0, times[0], times[1], times[2], null,
                Integer.parseInt(w[8]), Integer.parseInt(w[9]), 0, Integer.parseInt(w[13])));
    }

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        if (flags != (O_RDWR | O_EXCL)) {
            throw inexpressible("create flags " + flags);
        }
        byte[] p = entryBytes(caller, parent, name);
        return new Created(syscall(caller, "create", p, hex(p), Integer.toString(mode)).attributes(), 0);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        byte[] p = entryBytes(caller, parent, name);
        return syscall(caller, "mknod", p, hex(p), Integer.toString(mode), Integer.toString(rdevMajor),
                Integer.toString(rdevMinor)).attributes();
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        byte[] p = entryBytes(caller, parent, name);
        return syscall(caller, "mkdir", p, hex(p), Integer.toString(mode)).attributes();
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        byte[] p = entryBytes(caller, parent, name);
        return syscall(caller, "symlink", p, hex(p), hex(target)).attributes();
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        byte[] from = pathBytes(caller, ino);
        byte[] to = entryBytes(caller, newParent, newName);
        return syscall(caller, "link", to, hex(from), hex(to)).attributes();
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        byte[] p = entryBytes(caller, parent, name);
        syscall(caller, "unlink", null, hex(p));
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        byte[] p = entryBytes(caller, parent, name);
        syscall(caller, "rmdir", null, hex(p));
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        byte[] from = entryBytes(caller, parent, name);
        byte[] to = entryBytes(caller, newParent, newName);
        syscall(caller, "rename", null, hex(from), hex(to), Integer.toString(flags));
    }

    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        byte[] p = pathBytes(caller, ino);
        try {
            Path data = Files.createTempFile("ext4j-write", ".bin");
            try {
                Files.write(data, java.util.Arrays.copyOfRange(src, srcOff, srcOff + len));
                return syscall(caller, "write", null, hex(p), Long.toString(offset), data.toString()).count();
            } finally {
                Files.delete(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        byte[] p = pathBytes(caller, ino);
        syscall(caller, "fallocate", null, hex(p), Integer.toString(mode), Long.toString(offset), Long.toString(length));
    }

    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        throw notExpressed("lseek");
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        byte[] p = pathBytes(caller, ino);
        syscall(caller, "setxattr", null, hex(p), name, hex(value), Integer.toString(flags));
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        byte[] p = pathBytes(caller, ino);
        syscall(caller, "removexattr", null, hex(p), name);
    }

    @Override
    public int getflags(long ino) {
        return lsattr(path(Caller.ROOT, ino));
    }

    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        throw notExpressed("fsync");
    }

    @Override
    public void syncfs() {
        throw notExpressed("syncfs");
    }

    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        if (flags != (O_RDWR | O_EXCL)) {
            throw inexpressible("tmpfile flags " + flags);
        }
        byte[] p = pathBytes(caller, parent);
        syscall(caller, "tmpfile", null, hex(p), Integer.toString(mode));
        return new Created(null, -1);
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        byte[] p = entryBytes(Caller.ROOT, parent, name);
        return syscall(Caller.ROOT, "stat", p).attributes();
    }

    @Override
    public byte[] readlink(long ino) {
        throw notExpressed("readlink");
    }

    @Override
    public long opendir(Caller caller, long ino) {
        throw notExpressed("opendir");
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        throw notExpressed("readdir");
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        if (flags != O_WRONLY) {
            throw inexpressible("open flags " + flags);
        }
        // The open itself happens in write(), as the caller: its errno is the same either way.
        pathBytes(caller, ino);
        return 0;
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        throw notExpressed("read");
    }

    @Override
    public void release(long ino, long handle) {
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        throw notExpressed("access");
    }

    @Override
    public StatFs statfs() {
        throw notExpressed("statfs");
    }

    @Override
    public byte[] getxattr(long ino, String name) {
        throw notExpressed("getxattr");
    }

    @Override
    public List<String> listxattr(long ino) {
        throw notExpressed("listxattr");
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        throw notExpressed("mapBlocks");
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String readOnlyReason() {
        return null;
    }

    @Override
    public void close() {
    }
}
