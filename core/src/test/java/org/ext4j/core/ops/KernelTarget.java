package org.ext4j.core.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Timestamp;
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

// The kernel's ext4 behind the SPI: each operation runs as chmod/chown/utimensat/chattr on a loop mount, as the caller (setpriv), errors mapped back from strerror text.
/**
 * Operations are addressed by path (the model names the inode), so an operation the kernel
 * would refuse during the path walk (a caller who may not search some ancestor) or that the
 * tools cannot express (a symlink's mode, mixed UTIME_NOW and explicit times) throws ENOSYS
 * and is counted as skipped by the runner. Namespace, content and xattr operations are not
 * expressed yet.
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
            throw inexpressible("truncate");
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
        Path p = path(Caller.ROOT, ino);
        try {
            Map<String, Object> st = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) st.get("mode");
            FileType type = FileType.fromMode(mode);
            long rdev = (Long) st.get("rdev");
            int major = (int) (((rdev >> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL));
            int flags = type == FileType.REGULAR || type == FileType.DIRECTORY ? lsattr(p) : 0;
            Timestamp[] times = times(p);
            return new Attributes((Long) st.get("ino"), type, mode, (Integer) st.get("nlink"), (Integer) st.get("uid"),
                    (Integer) st.get("gid"), (Long) st.get("size"), 0, 0, times[0], times[1], times[2], null, major,
                    minor, 0, flags);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * atime, mtime, ctime to the nanosecond. Not through the JDK: its FileTime keeps only
     * microseconds for times after 2262, where nanoseconds since the epoch overflow a long.
     */
    private static Timestamp[] times(Path p) {
        String out = Tools.run(List.of("/usr/bin/python3", "-c",
                "import os, sys; s = os.lstat(sys.argv[1]); print(s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns)",
                p.toString()), TIMEOUT).requireExit(0).stdout().trim();
        String[] words = out.split(" ");
        Timestamp[] times = new Timestamp[3];
        for (int i = 0; i < 3; i++) {
            java.math.BigInteger[] qr = new java.math.BigInteger(words[i]).divideAndRemainder(java.math.BigInteger.valueOf(1_000_000_000L));
            long seconds = qr[0].longValueExact();
            long nanos = qr[1].longValueExact();
            if (nanos < 0) {
                seconds--;
                nanos += 1_000_000_000L;
            }
            times[i] = new Timestamp(seconds, (int) nanos);
        }
        return times;
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

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int flags) {
        throw notExpressed("create");
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int rdevMajor, int rdevMinor) {
        throw notExpressed("mknod");
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode) {
        throw notExpressed("mkdir");
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        throw notExpressed("symlink");
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        throw notExpressed("link");
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        throw notExpressed("unlink");
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        throw notExpressed("rmdir");
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        throw notExpressed("rename");
    }

    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        throw notExpressed("write");
    }

    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        throw notExpressed("fallocate");
    }

    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        throw notExpressed("lseek");
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        throw notExpressed("setxattr");
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        throw notExpressed("removexattr");
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
    public Created tmpfile(Caller caller, long parent, int mode) {
        throw notExpressed("tmpfile");
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        throw notExpressed("lookup");
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
        throw notExpressed("open");
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
