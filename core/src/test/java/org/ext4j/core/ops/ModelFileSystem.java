package org.ext4j.core.ops;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

// An in-memory POSIX filesystem that answers every SPI operation the way the kernel's ext4 does: the expected side of the random-operation tests.
/**
 * Written from the kernel's documented rules (fs/namei.c, fs/attr.c, fs/open.c, fs/xattr.c,
 * fs/ext4/ioctl.c), independently of the ext4j implementation, so that the two can disagree. It
 * knows nothing of blocks: ENOSPC, EDQUOT and block counts are outside it (the generator stays
 * clear of full disks). Names are kept as ISO-8859-1 strings, one char per byte.
 */
public final class ModelFileSystem implements WritableFileSystem {
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;
    static final int S_IFSOCK = 0140000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;
    static final int S_IXGRP = 00010;
    static final int LINK_MAX = 65000;
    static final int XATTR_NAME_MAX = 255;
    static final int XATTR_SIZE_MAX = 65536;

    static final int FL_IMMUTABLE = 0x10;
    static final int FL_APPEND = 0x20;
    static final int FL_JOURNAL_DATA = 0x4000;
    static final int FL_EXTENTS = 0x80000;
    static final int FL_DAX = 0x2000000;
    static final int FL_CASEFOLD = 0x40000000;
    static final int FL_MODIFIABLE = 0x1 | 0x2 | 0x4 | 0x8 | FL_IMMUTABLE | FL_APPEND | 0x40 | 0x80 | FL_JOURNAL_DATA
            | 0x8000 | 0x10000 | 0x20000 | FL_EXTENTS | 0x400000 | FL_DAX | 0x20000000 | FL_CASEFOLD;
    static final int FL_VISIBLE = FL_MODIFIABLE | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x100000 | 0x10000000;
    /** Flags a new inode takes from its directory (EXT4_FL_INHERITED). */
    static final int FL_INHERITED = 0x1 | 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x400 | FL_JOURNAL_DATA | 0x8000 | 0x10000
            | 0x20000000 | FL_CASEFOLD | FL_DAX;
    static final int FL_DIRECTORY_ONLY = 0x10000 | 0x20000 | FL_CASEFOLD | 0x20000000;
    static final int FL_OTHER_ALLOWED = 0x40 | 0x80;

    /**
     * What the model needs to know of the image it mirrors.
     *
     * @param blockSize     page size of the sparse content map and the symlink target limit
     * @param nanoseconds   inodes have _extra time words (256-byte inodes)
     * @param dirNlink      dir_nlink feature: a directory's link count stops at 1 instead of failing at 65000
     * @param hasJournal    JOURNAL_DATA can change
     * @param maxFileSize   s_maxbytes
     * @param extents       the extents feature: regular files are extent-mapped (inline ones become so
     *                      when fallocate moves them to blocks), else they have indirect maps
     */
    public record Limits(int blockSize, boolean nanoseconds, boolean dirNlink, boolean hasJournal, long maxFileSize,
            boolean extents) {
    }

    /** One inode. */
    static final class Node {
        final long ino;
        int mode;
        long uid;
        long gid;
        int nlink;
        long size;
        Timestamp atime;
        Timestamp mtime;
        Timestamp ctime;
        int flags;
        int rdevMajor;
        int rdevMinor;
        byte[] target;
        final TreeMap<Long, byte[]> pages = new TreeMap<>();
        final TreeMap<String, byte[]> xattrs = new TreeMap<>();
        final TreeMap<String, Long> children = new TreeMap<>();
        long parent;

        Node(long ino, int mode) {
            this.ino = ino;
            this.mode = mode;
        }

        FileType type() {
            return FileType.fromMode(mode);
        }

        boolean isDir() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean immutable() {
            return (flags & FL_IMMUTABLE) != 0;
        }

        boolean appendOnly() {
            return (flags & FL_APPEND) != 0;
        }
    }

    private final Limits limits;
    private final Clock clock;
    private final Map<Long, Node> nodes = new HashMap<>();
    private final Map<Long, Long> handles = new HashMap<>();
    /** O_TMPFILE inodes opened without O_EXCL and not linked yet (the kernel's I_LINKABLE). */
    private final java.util.Set<Long> linkable = new java.util.HashSet<>();
    private long nextHandle = 1;
    private long nextIno = 1_000_000;
    private long expectedIno = -1;

    public ModelFileSystem(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public Limits limits() {
        return limits;
    }


    /** Adds an inode as loaded from an image (no rules applied). */
    Node put(long ino, int mode) {
        Node n = new Node(ino, mode);
        nodes.put(ino, n);
        return n;
    }

    Node node(long ino) {
        return nodes.get(ino);
    }

    /** Every inode, by number. */
    Map<Long, Node> nodes() {
        return nodes;
    }

    /**
     * The inode number the next created inode gets: the runner passes on what the system under
     * test allocated, so both sides keep the same numbers.
     */
    public void expectIno(long ino) {
        expectedIno = ino;
    }


    static String key(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.ISO_8859_1);
    }

    private Timestamp now() {
        Instant i = clock.instant();
        return storable(new Timestamp(i.getEpochSecond(), i.getNano()));
    }

    /** What the inode can hold of a time (timestamp_truncate with ext4's range). */
    Timestamp storable(Timestamp t) {
        long max = limits.nanoseconds() ? Integer.MAX_VALUE + (3L << 32) : Integer.MAX_VALUE;
        if (t.seconds() <= Integer.MIN_VALUE) {
            return new Timestamp(Integer.MIN_VALUE, 0);
        }
        if (t.seconds() >= max) {
            return new Timestamp(max, 0);
        }
        return limits.nanoseconds() ? t : new Timestamp(t.seconds(), 0);
    }

    private static Ext4Exception err(Errno errno, String what) {
        return new Ext4Exception(errno, "model: " + what);
    }

    private Node live(long ino) {
        Node n = nodes.get(ino);
        if (n == null) {
            throw err(Errno.ESTALE, "no inode " + ino);
        }
        return n;
    }

    private Node dir(long ino) {
        Node n = live(ino);
        if (!n.isDir()) {
            throw err(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        return n;
    }

    private static boolean owner(Caller c, Node n) {
        return c.isRoot() || c.uid() == n.uid;
    }

    /** generic_permission without ACLs. */
    static boolean allowed(Caller c, Node n, int mask) {
        if (c.isRoot()) {
            return (mask & 1) == 0 || n.isDir() || (n.mode & 0111) != 0;
        }
        int bits = c.uid() == n.uid ? n.mode >> 6 : c.inGroup(n.gid) ? n.mode >> 3 : n.mode;
        return (bits & mask & 7) == (mask & 7);
    }

    /** inode_permission: immutable refuses writes before the mode bits are looked at. */
    private static void permission(Caller c, Node n, int mask) {
        if ((mask & 2) != 0 && n.immutable()) {
            throw err(Errno.EPERM, "inode " + n.ino + " is immutable");
        }
        if (!allowed(c, n, mask)) {
            throw err(Errno.EACCES, "permission " + mask + " denied on inode " + n.ino);
        }
    }

    /** The lookup step: search permission on the directory, then the name length. */
    private static void lookupCheck(Caller c, Node dir, byte[] name) {
        permission(c, dir, 1);
        if (name.length > 255) {
            throw err(Errno.ENAMETOOLONG, name.length + "-byte name");
        }
        if (name.length == 0) {
            throw err(Errno.ENOENT, "empty name");
        }
    }

    private Node child(Node dir, byte[] name) {
        Long ino = dir.children.get(key(name));
        return ino == null ? null : nodes.get(ino);
    }

    private long allocateIno() {
        long ino = expectedIno >= 0 ? expectedIno : nextIno++;
        expectedIno = -1;
        if (nodes.containsKey(ino)) {
            throw new IllegalStateException("inode " + ino + " is already in the model");
        }
        return ino;
    }

    /** may_create: write and search permission on the directory. */
    private static void mayCreate(Caller c, Node dir) {
        permission(c, dir, 3);
    }

    /** inode_init_owner and mode_strip_sgid. */
    private Node newInode(Caller c, Node dir, int mode) {
        if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && (mode & S_IFMT) != S_IFDIR
                && (dir.mode & S_ISGID) != 0 && !(c.isRoot() || c.inGroup(dir.gid))) {
            mode &= ~S_ISGID;
        }
        Node n = new Node(allocateIno(), mode);
        n.uid = c.uid();
        if ((dir.mode & S_ISGID) != 0) {
            n.gid = dir.gid;
            if ((mode & S_IFMT) == S_IFDIR) {
                n.mode |= S_ISGID;
            }
        } else {
            n.gid = c.gid();
        }
        n.flags = maskFlags(n.mode, dir.flags & FL_INHERITED);
        // ext4_new_inode: with the extents feature new files and directories start extent-mapped.
        if (limits.extents() && ((mode & S_IFMT) == S_IFREG || (mode & S_IFMT) == S_IFDIR)) {
            n.flags |= FL_EXTENTS;
        }
        Timestamp now = now();
        n.atime = now;
        n.mtime = now;
        n.ctime = now;
        n.nlink = 1;
        return n;
    }

    static int maskFlags(int mode, int flags) {
        int t = mode & S_IFMT;
        return t == S_IFDIR ? flags : t == S_IFREG ? flags & ~FL_DIRECTORY_ONLY : flags & FL_OTHER_ALLOWED;
    }

    private void touchDir(Node dir) {
        Timestamp now = now();
        dir.mtime = now;
        dir.ctime = now;
    }

    /** ext4_inc_count: with dir_nlink a count past 65000 (or an overflowed 1) stays 1. */
    private void incDirLinks(Node dir) {
        dir.nlink++;
        if (limits.dirNlink() && (dir.nlink > LINK_MAX || dir.nlink == 2)) {
            dir.nlink = 1;
        }
    }

    private static void decDirLinks(Node dir) {
        if (dir.nlink > 2) {
            dir.nlink--;
        }
    }

    private boolean dirLinkMax(Node dir) {
        return dir.nlink >= LINK_MAX && !limits.dirNlink();
    }

    private void attach(Node dir, byte[] name, Node n) {
        nodes.put(n.ino, n);
        dir.children.put(key(name), n.ino);
        if (n.isDir()) {
            n.parent = dir.ino;
        }
    }

    private void dropIfUnused(Node n) {
        if (n.nlink == 0 && !handles.containsValue(n.ino)) {
            nodes.remove(n.ino);
            linkable.remove(n.ino);
        }
    }


    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        Node n = child(d, name);
        if (n == null) {
            throw err(Errno.ENOENT, "no " + key(name));
        }
        return attributes(n);
    }

    @Override
    public Attributes getattr(long ino) {
        return attributes(live(ino));
    }

    Attributes attributes(Node n) {
        boolean device = n.type() == FileType.CHAR_DEVICE || n.type() == FileType.BLOCK_DEVICE;
        return new Attributes(n.ino, n.type(), n.mode, n.nlink, n.uid, n.gid, n.isDir() ? -1 : n.size, -1,
                limits.blockSize(), n.atime, n.mtime, n.ctime, null, device ? n.rdevMajor : 0,
                device ? n.rdevMinor : 0, 0, n.flags);
    }

    @Override
    public byte[] readlink(long ino) {
        Node n = live(ino);
        if (n.type() != FileType.SYMLINK) {
            throw err(Errno.EINVAL, "not a symlink");
        }
        return n.target.clone();
    }

    @Override
    public long opendir(Caller caller, long ino) {
        permission(caller, dir(ino), 4);
        return nextHandle++;
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        Node d = dir(ino);
        List<DirectoryEntry> all = new ArrayList<>();
        all.add(new DirectoryEntry(d.ino, ".".getBytes(StandardCharsets.US_ASCII), FileType.DIRECTORY, 1));
        all.add(new DirectoryEntry(d.parent, "..".getBytes(StandardCharsets.US_ASCII), FileType.DIRECTORY, 2));
        for (Map.Entry<String, Long> e : d.children.entrySet()) {
            all.add(new DirectoryEntry(e.getValue(), bytes(e.getKey()), nodes.get(e.getValue()).type(), all.size() + 1));
        }
        return all.subList((int) Math.min(offset, all.size()), (int) Math.min(all.size(), offset + maxEntries));
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    /** may_open for a regular file. */
    @Override
    public long open(Caller caller, long ino, int flags) {
        Node n = live(ino);
        int access = flags & O_ACCMODE;
        if (n.isDir() && access != O_RDONLY) {
            throw err(Errno.EISDIR, "directory opened for writing");
        }
        int mask = access == O_RDONLY ? 4 : access == O_WRONLY ? 2 : 6;
        permission(caller, n, mask);
        if (n.appendOnly() && (access != O_RDONLY && (flags & O_APPEND) == 0 || (flags & O_TRUNC) != 0)) {
            throw err(Errno.EPERM, "append-only inode opened for writing without O_APPEND");
        }
        long h = nextHandle++;
        handles.put(h, ino);
        return h;
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        Node n = live(ino);
        if (offset >= n.size) {
            return 0;
        }
        int count = (int) Math.min(len, n.size - offset);
        readContent(n, offset, dst, dstOff, count);
        return count;
    }

    /** The file's bytes {@code [offset, offset+len)} (holes read as zeros). */
    void readContent(Node n, long offset, byte[] dst, int dstOff, int len) {
        int bs = limits.blockSize();
        for (int done = 0; done < len;) {
            long pos = offset + done;
            byte[] page = n.pages.get(pos / bs);
            int in = (int) (pos % bs);
            int k = Math.min(len - done, bs - in);
            if (page == null) {
                Arrays.fill(dst, dstOff + done, dstOff + done + k, (byte) 0);
            } else {
                System.arraycopy(page, in, dst, dstOff + done, k);
            }
            done += k;
        }
    }

    @Override
    public void release(long ino, long handle) {
        Long was = handles.remove(handle);
        if (was != null && nodes.containsKey(was)) {
            dropIfUnused(nodes.get(was));
        }
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        permission(caller, live(ino), mask);
    }

    @Override
    public StatFs statfs() {
        throw err(Errno.ENOSYS, "the model has no blocks");
    }

    @Override
    public byte[] getxattr(long ino, String name) {
        byte[] v = live(ino).xattrs.get(name);
        if (v == null) {
            throw err(Errno.ENODATA, "no xattr " + name);
        }
        return v.clone();
    }

    @Override
    public List<String> listxattr(long ino) {
        return new ArrayList<>(live(ino).xattrs.keySet());
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        throw err(Errno.ENOSYS, "the model has no blocks");
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


    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        Node existing = child(d, name);
        if (existing != null) {
            if ((flags & O_EXCL) != 0) {
                throw err(Errno.EEXIST, key(name) + " exists");
            }
            if (existing.isDir()) {
                throw err(Errno.EISDIR, key(name) + " is a directory");
            }
            long h = open(caller, existing.ino, flags);
            if ((flags & O_TRUNC) != 0 && existing.size != 0) {
                truncateTo(existing, 0);
            }
            return new Created(attributes(existing), h);
        }
        mayCreate(caller, d);
        Node n = newInode(caller, d, S_IFREG | (mode & 07777));
        attach(d, name, n);
        touchDir(d);
        long h = nextHandle++;
        handles.put(h, n.ino);
        return new Created(attributes(n), h);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        int type = mode & S_IFMT;
        if (type == S_IFDIR) {
            throw err(Errno.EPERM, "mknod of a directory");
        }
        if (type != 0 && type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK) {
            throw err(Errno.EINVAL, "mknod type 0" + Integer.toOctalString(type));
        }
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        if (child(d, name) != null) {
            throw err(Errno.EEXIST, key(name) + " exists");
        }
        mayCreate(caller, d);
        // A whiteout (character device 0:0) needs no CAP_MKNOD since Linux 5.8.
        boolean whiteout = type == S_IFCHR && rdevMajor == 0 && rdevMinor == 0;
        if ((type == S_IFCHR || type == S_IFBLK) && !whiteout && !caller.isRoot()) {
            throw err(Errno.EPERM, "device node by non-root");
        }
        Node n = newInode(caller, d, (type == 0 ? S_IFREG : type) | (mode & 07777));
        if (type == S_IFCHR || type == S_IFBLK) {
            n.rdevMajor = rdevMajor;
            n.rdevMinor = rdevMinor;
        }
        attach(d, name, n);
        touchDir(d);
        return attributes(n);
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        if (child(d, name) != null) {
            throw err(Errno.EEXIST, key(name) + " exists");
        }
        mayCreate(caller, d);
        if (dirLinkMax(d)) {
            throw err(Errno.EMLINK, "directory has " + d.nlink + " links");
        }
        Node n = newInode(caller, d, S_IFDIR | (mode & 01777));
        n.nlink = 2;
        attach(d, name, n);
        incDirLinks(d);
        touchDir(d);
        return attributes(n);
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        if (target.length == 0) {
            throw err(Errno.ENOENT, "empty symlink target");
        }
        if (target.length >= 4096) {
            throw err(Errno.ENAMETOOLONG, "target longer than PATH_MAX");
        }
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        if (child(d, name) != null) {
            throw err(Errno.EEXIST, key(name) + " exists");
        }
        mayCreate(caller, d);
        if (target.length + 1 > limits.blockSize()) {
            throw err(Errno.ENAMETOOLONG, "target does not fit a block");
        }
        Node n = newInode(caller, d, S_IFLNK | 0777);
        n.target = target.clone();
        n.size = target.length;
        attach(d, name, n);
        touchDir(d);
        return attributes(n);
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        Node n = live(ino);
        Node d = dir(newParent);
        lookupCheck(caller, d, newName);
        if (child(d, newName) != null) {
            throw err(Errno.EEXIST, key(newName) + " exists");
        }
        // may_linkat with protected_hardlinks: a non-owner may only link files he could read and write.
        boolean safeSource = n.type() == FileType.REGULAR && (n.mode & S_ISUID) == 0
                && (n.mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) && allowed(caller, n, 6) && !n.immutable();
        if (!safeSource && !owner(caller, n)) {
            throw err(Errno.EPERM, "protected_hardlinks");
        }
        mayCreate(caller, d);
        if (n.appendOnly() || n.immutable()) {
            throw err(Errno.EPERM, "link to immutable or append-only inode");
        }
        if (n.isDir()) {
            throw err(Errno.EPERM, "link to a directory");
        }
        if (n.nlink == 0 && !linkable.contains(n.ino)) {
            throw err(Errno.ENOENT, "inode has no links");
        }
        if (n.nlink >= LINK_MAX) {
            throw err(Errno.EMLINK, "inode has " + n.nlink + " links");
        }
        linkable.remove(n.ino);
        n.nlink++;
        n.ctime = now();
        d.children.put(key(newName), n.ino);
        touchDir(d);
        return attributes(n);
    }

    /** may_delete: write+search on the directory, append-only directory, sticky bit, the victim's flags and type. */
    private void mayDelete(Caller caller, Node d, Node victim, boolean isDir) {
        permission(caller, d, 3);
        if (d.appendOnly()) {
            throw err(Errno.EPERM, "append-only directory");
        }
        boolean sticky = (d.mode & S_ISVTX) != 0 && !caller.isRoot() && caller.uid() != victim.uid && caller.uid() != d.uid;
        if (sticky || victim.appendOnly() || victim.immutable()) {
            throw err(Errno.EPERM, "sticky directory or protected inode " + victim.ino);
        }
        if (isDir) {
            if (!victim.isDir()) {
                throw err(Errno.ENOTDIR, "inode " + victim.ino + " is not a directory");
            }
            if (victim.ino == ROOT_INO) {
                throw err(Errno.EBUSY, "the root");
            }
        } else if (victim.isDir()) {
            throw err(Errno.EISDIR, "inode " + victim.ino + " is a directory");
        }
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        Node n = child(d, name);
        if (n == null) {
            throw err(Errno.ENOENT, "no " + key(name));
        }
        mayDelete(caller, d, n, false);
        d.children.remove(key(name));
        n.nlink--;
        Timestamp now = now();
        n.ctime = now;
        touchDir(d);
        dropIfUnused(n);
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        String k = key(name);
        if (k.equals(".")) {
            throw err(Errno.EINVAL, "rmdir .");
        }
        if (k.equals("..")) {
            throw err(Errno.ENOTEMPTY, "rmdir ..");
        }
        Node d = dir(parent);
        lookupCheck(caller, d, name);
        Node n = child(d, name);
        if (n == null) {
            throw err(Errno.ENOENT, "no " + k);
        }
        mayDelete(caller, d, n, true);
        if (!n.children.isEmpty()) {
            throw err(Errno.ENOTEMPTY, k + " is not empty");
        }
        d.children.remove(k);
        n.nlink = 0;
        decDirLinks(d);
        touchDir(d);
        dropIfUnused(n);
    }

    /** True when directory {@code ancestor} is {@code n} or one of its ancestors. */
    private boolean isAncestor(Node ancestor, Node n) {
        Node at = n;
        for (int depth = 0; depth < 100_000; depth++) {
            if (at.ino == ancestor.ino) {
                return true;
            }
            if (at.ino == ROOT_INO) {
                return false;
            }
            at = nodes.get(at.parent);
        }
        throw new IllegalStateException("directory loop in the model");
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0
                || (flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) {
            throw err(Errno.EINVAL, "rename flags " + flags);
        }
        // No CAP_MKNOD check: since Linux 5.8 anyone may leave a whiteout (the kernel agrees).
        Node od = dir(parent);
        Node nd = dir(newParent);
        // Both path walks (search permission on each parent) come before any lookup, as in renameat2.
        permission(caller, od, 1);
        permission(caller, nd, 1);
        String ok = key(name);
        String nk = key(newName);
        if (ok.equals(".") || ok.equals("..") || nk.equals(".") || nk.equals("..")) {
            throw err(Errno.EBUSY, "rename of . or ..");
        }
        lookupCheck(caller, od, name);
        Node source = child(od, name);
        if (source == null) {
            throw err(Errno.ENOENT, "no " + ok);
        }
        lookupCheck(caller, nd, newName);
        Node target = child(nd, newName);
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        if ((flags & RENAME_NOREPLACE) != 0 && target != null) {
            throw err(Errno.EEXIST, nk + " exists");
        }
        if (exchange && target == null) {
            throw err(Errno.ENOENT, "no " + nk + " to exchange with");
        }
        // lock_rename's trap: the source may not be an ancestor of the new parent, nor the target of the old one.
        if (source.isDir() && isAncestor(source, nd)) {
            throw err(Errno.EINVAL, "directory into its own subtree");
        }
        if (target != null && target.isDir() && isAncestor(target, od)) {
            throw err(exchange ? Errno.EINVAL : Errno.ENOTEMPTY, "target is an ancestor of the source");
        }
        if (target == source) {
            return;
        }
        boolean isDir = source.isDir();
        mayDelete(caller, od, source, isDir);
        boolean newIsDir = target != null && target.isDir();
        if (target == null) {
            mayCreate(caller, nd);
        } else {
            mayDelete(caller, nd, target, exchange ? newIsDir : isDir);
        }
        if (od != nd) {
            if (isDir) {
                permission(caller, source, 2);
            }
            if (exchange && newIsDir) {
                permission(caller, target, 2);
            }
            if (isDir && !newIsDir && dirLinkMax(nd) || exchange && !isDir && newIsDir && dirLinkMax(od)) {
                throw err(Errno.EMLINK, "too many links");
            }
        }
        if (!exchange && newIsDir && !target.children.isEmpty()) {
            throw err(Errno.ENOTEMPTY, nk + " is not empty");
        }
        Timestamp now = now();
        if (exchange) {
            od.children.put(ok, target.ino);
            nd.children.put(nk, source.ino);
            if (isDir) {
                source.parent = nd.ino;
            }
            if (newIsDir) {
                target.parent = od.ino;
            }
            if (od != nd && isDir != newIsDir) {
                if (isDir) {
                    decDirLinks(od);
                    incDirLinks(nd);
                } else {
                    incDirLinks(od);
                    decDirLinks(nd);
                }
            }
            target.ctime = now;
        } else {
            od.children.remove(ok);
            if (target != null) {
                target.nlink = newIsDir ? 0 : target.nlink - 1;
                target.ctime = now;
            }
            nd.children.put(nk, source.ino);
            if (isDir) {
                source.parent = nd.ino;
                decDirLinks(od);
                if (!newIsDir) {
                    incDirLinks(nd);
                }
            }
            if ((flags & RENAME_WHITEOUT) != 0) {
                Node w = newInode(caller, od, S_IFCHR);
                attach(od, name, w);
            }
            if (target != null) {
                dropIfUnused(target);
            }
        }
        source.ctime = now;
        touchDir(od);
        touchDir(nd);
    }


    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        Node n = handleNode(ino, handle);
        if (offset < 0) {
            throw err(Errno.EINVAL, "negative offset");
        }
        if (len == 0) {
            return 0;
        }
        if (offset + len > limits.maxFileSize()) {
            throw err(Errno.EFBIG, "past the maximum file size");
        }
        killPrivileges(caller, n);
        int bs = limits.blockSize();
        for (int done = 0; done < len;) {
            long pos = offset + done;
            byte[] page = n.pages.computeIfAbsent(pos / bs, p -> new byte[bs]);
            int in = (int) (pos % bs);
            int k = Math.min(len - done, bs - in);
            System.arraycopy(src, srcOff + done, page, in, k);
            done += k;
        }
        n.size = Math.max(n.size, offset + len);
        Timestamp now = now();
        n.mtime = now;
        n.ctime = now;
        return len;
    }

    private Node handleNode(long ino, long handle) {
        Long at = handles.get(handle);
        if (at == null || at != ino) {
            throw err(Errno.EBADF, "no handle " + handle);
        }
        return live(ino);
    }

    /** file_remove_privs: a writer without CAP_FSETID drops setuid, and setgid where setattr_should_drop_sgid says. */
    private void killPrivileges(Caller caller, Node n) {
        if (caller.isRoot() || n.type() != FileType.REGULAR) {
            return;
        }
        int kill = 0;
        if ((n.mode & S_ISUID) != 0) {
            kill |= S_ISUID;
        }
        if ((n.mode & S_ISGID) != 0 && ((n.mode & S_IXGRP) != 0 || !caller.inGroup(n.gid))) {
            kill |= S_ISGID;
        }
        if (kill != 0) {
            n.mode &= ~kill;
            n.ctime = now();
        }
    }

    private void truncateTo(Node n, long size) {
        int bs = limits.blockSize();
        if (size < n.size) {
            long firstGone = (size + bs - 1) / bs;
            n.pages.tailMap(firstGone, true).clear();
            byte[] partial = n.pages.get(size / bs);
            if (partial != null && size % bs != 0) {
                Arrays.fill(partial, (int) (size % bs), bs, (byte) 0);
            }
        }
        if (size != n.size) {
            n.size = size;
            Timestamp now = now();
            n.mtime = now;
            n.ctime = now;
        }
    }


    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        Node n = live(ino);
        if (changes.size().isPresent()) {
            return truncate(caller, n, handle, changes.size().getAsLong());
        }
        if (changes.isEmpty()) {
            return attributes(n);
        }
        boolean chown = changes.uid().isPresent() || changes.gid().isPresent();
        boolean timesSet = changes.setsTimesExplicitly();
        if ((changes.mode().isPresent() || chown || timesSet) && (n.immutable() || n.appendOnly())) {
            throw err(Errno.EPERM, "immutable or append-only");
        }
        if (changes.isTouch()) {
            if (n.immutable()) {
                throw err(Errno.EPERM, "immutable");
            }
            if (!owner(caller, n)) {
                permission(caller, n, 2);
            }
        }
        if (changes.mode().isPresent() && n.type() == FileType.SYMLINK) {
            throw err(Errno.EOPNOTSUPP, "chmod of a symlink");
        }
        boolean setMode = changes.mode().isPresent();
        int mode = setMode ? (n.mode & S_IFMT) | changes.mode().getAsInt() : n.mode;
        if (chown && !n.isDir()) {
            if ((n.mode & S_ISUID) != 0) {
                mode &= ~S_ISUID;
                setMode = true;
            }
            if ((n.mode & S_ISGID) != 0 && ((n.mode & S_IXGRP) != 0 || !(caller.isRoot() || caller.inGroup(n.gid)))) {
                mode &= ~S_ISGID;
                setMode = true;
            }
        }
        long uid = changes.uid().orElse(n.uid);
        long gid = changes.gid().orElse(n.gid);
        if (changes.uid().isPresent() && !caller.isRoot() && !(caller.uid() == n.uid && uid == n.uid)) {
            throw err(Errno.EPERM, "chown");
        }
        if (changes.gid().isPresent() && !caller.isRoot() && !(caller.uid() == n.uid && (gid == n.gid || caller.inGroup(gid)))) {
            throw err(Errno.EPERM, "chgrp");
        }
        if (setMode) {
            if (!owner(caller, n)) {
                throw err(Errno.EPERM, "chmod by non-owner");
            }
            if (!(caller.isRoot() || caller.inGroup(gid))) {
                mode &= ~S_ISGID;
            }
        }
        if (timesSet && !owner(caller, n)) {
            throw err(Errno.EPERM, "utimes by non-owner");
        }
        Timestamp now = now();
        n.mode = mode;
        n.uid = uid;
        n.gid = gid;
        if (!(changes.atime() instanceof TimeChange.Omit)) {
            n.atime = changes.atime() instanceof TimeChange.SetTo s ? storable(s.time()) : now;
        }
        if (!(changes.mtime() instanceof TimeChange.Omit)) {
            n.mtime = changes.mtime() instanceof TimeChange.SetTo s ? storable(s.time()) : now;
        }
        n.ctime = now;
        return attributes(n);
    }

    /** truncate(2) by path (handle -1) or ftruncate (an open handle: no permission check). */
    private Attributes truncate(Caller caller, Node n, long handle, long size) {
        if (n.isDir()) {
            throw err(Errno.EISDIR, "truncate of a directory");
        }
        if (n.type() != FileType.REGULAR) {
            throw err(Errno.EINVAL, "truncate of a " + n.type());
        }
        if (size < 0) {
            throw err(Errno.EINVAL, "negative size");
        }
        if (handle == -1) {
            // inode_permission(MAY_WRITE): immutable is EPERM before the mode is looked at.
            if (n.immutable()) {
                throw err(Errno.EPERM, "immutable");
            }
            permission(caller, n, 2);
        } else {
            handleNode(n.ino, handle);
        }
        if (n.appendOnly() || n.immutable()) {
            throw err(Errno.EPERM, "append-only");
        }
        if (size > limits.maxFileSize()) {
            throw err(Errno.EFBIG, "size past the maximum");
        }
        killPrivileges(caller, n);
        truncateTo(n, size);
        // ext4_setattr stamps mtime and ctime even when the size stays (the kernel's answer).
        Timestamp now = now();
        n.mtime = now;
        n.ctime = now;
        return attributes(n);
    }

    /**
     * COLLAPSE_RANGE and INSERT_RANGE only (other modes are not modelled): vfs_fallocate's checks
     * change nothing; after them ext4_fallocate counts the call as a modification (setuid/setgid
     * dropped for a non-root caller, mtime and ctime set) before its own checks, which kernel
     * 6.18 answers after that change.
     */
    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        Node n = handleNode(ino, handle);
        if (offset < 0 || length <= 0) {
            throw err(Errno.EINVAL, "bad range");
        }
        int op = mode & ~FALLOC_FL_KEEP_SIZE;
        if (op != FALLOC_FL_COLLAPSE_RANGE && op != FALLOC_FL_INSERT_RANGE) {
            throw err(Errno.ENOSYS, "fallocate mode 0x" + Integer.toHexString(mode) + " is not modelled");
        }
        if ((mode & FALLOC_FL_KEEP_SIZE) != 0) {
            throw err(Errno.EOPNOTSUPP, "collapse/insert with KEEP_SIZE");
        }
        if (n.immutable() || n.appendOnly()) {
            throw err(Errno.EPERM, "immutable or append-only");
        }
        if (n.isDir()) {
            throw err(Errno.EISDIR, "fallocate of a directory");
        }
        if (n.type() != FileType.REGULAR) {
            throw err(Errno.ENODEV, "fallocate of a " + n.type());
        }
        if (offset > limits.maxFileSize() - length) {
            throw err(Errno.EFBIG, "range past s_maxbytes");
        }
        killPrivileges(caller, n);
        Timestamp now = now();
        n.mtime = now;
        n.ctime = now;
        if (!limits.extents()) {
            throw err(Errno.EOPNOTSUPP, "indirect-mapped file");
        }
        int bs = limits.blockSize();
        if (offset % bs != 0 || length % bs != 0) {
            throw err(Errno.EINVAL, "unaligned range");
        }
        long first = offset / bs;
        long count = length / bs;
        TreeMap<Long, byte[]> moved = new TreeMap<>(n.pages.headMap(first, false));
        if (op == FALLOC_FL_COLLAPSE_RANGE) {
            if (offset + length >= n.size) {
                throw err(Errno.EINVAL, "collapse reaches the end of file");
            }
            n.pages.tailMap(first + count, true).forEach((k, v) -> moved.put(k - count, v));
            n.size -= length;
        } else {
            if (offset >= n.size) {
                throw err(Errno.EINVAL, "insert at or past the end of file");
            }
            if (length > limits.maxFileSize() - n.size) {
                throw err(Errno.EFBIG, "insert past s_maxbytes");
            }
            n.pages.tailMap(first, true).forEach((k, v) -> moved.put(k + count, v));
            n.size += length;
        }
        n.pages.clear();
        n.pages.putAll(moved);
    }

    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        throw err(Errno.ENOSYS, "the model has no blocks");
    }


    /** xattr_permission and the name checks of setxattr/removexattr. */
    private Node xattrWritable(Caller caller, long ino, String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        if (raw.length == 0 || raw.length > XATTR_NAME_MAX) {
            throw err(Errno.ERANGE, "xattr name of " + raw.length + " bytes");
        }
        Node n = live(ino);
        if (n.immutable() || n.appendOnly()) {
            throw err(Errno.EPERM, "immutable or append-only");
        }
        if (name.startsWith("trusted.")) {
            if (!caller.isRoot()) {
                throw err(Errno.EPERM, "trusted.* by non-root");
            }
        } else if (name.startsWith("user.")) {
            if (n.type() != FileType.REGULAR && !n.isDir()) {
                throw err(Errno.EPERM, "user.* on a " + n.type());
            }
            if (n.isDir() && (n.mode & S_ISVTX) != 0 && !owner(caller, n)) {
                throw err(Errno.EPERM, "user.* on a sticky directory by non-owner");
            }
            permission(caller, n, 2);
        } else if (!name.startsWith("security.")) {
            permission(caller, n, 2);
            throw err(Errno.EOPNOTSUPP, "namespace of " + name);
        }
        int dot = name.indexOf('.');
        if (dot == name.length() - 1) {
            throw err(Errno.EINVAL, "empty name after the prefix");
        }
        return n;
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        if (value.length > XATTR_SIZE_MAX) {
            throw err(Errno.E2BIG, "xattr value of " + value.length + " bytes");
        }
        Node n = xattrWritable(caller, ino, name);
        boolean present = n.xattrs.containsKey(name);
        if ((flags & XATTR_CREATE) != 0 && present) {
            throw err(Errno.EEXIST, name + " exists");
        }
        if ((flags & XATTR_REPLACE) != 0 && !present) {
            throw err(Errno.ENODATA, "no " + name);
        }
        n.xattrs.put(name, value.clone());
        n.ctime = now();
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        Node n = xattrWritable(caller, ino, name);
        if (n.xattrs.remove(name) == null) {
            throw err(Errno.ENODATA, "no " + name);
        }
        n.ctime = now();
    }


    @Override
    public int getflags(long ino) {
        return live(ino).flags & FL_VISIBLE;
    }

    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        Node n = live(ino);
        if (!owner(caller, n)) {
            throw err(Errno.EPERM, "setflags by non-owner");
        }
        int old = n.flags;
        if (((old & FL_VISIBLE ^ flags) & (FL_IMMUTABLE | FL_APPEND)) != 0 && !caller.isRoot()) {
            throw err(Errno.EPERM, "immutable/append by non-root");
        }
        if ((flags & ~FL_VISIBLE) != 0) {
            throw err(Errno.EOPNOTSUPP, "invisible flags");
        }
        int f = flags & FL_MODIFIABLE;
        if (maskFlags(n.mode, f) != f) {
            throw err(Errno.EOPNOTSUPP, "flags not for this type");
        }
        if ((old & FL_IMMUTABLE) != 0 && (f & FL_IMMUTABLE) != 0 && (old & ~FL_IMMUTABLE) != (f & ~FL_IMMUTABLE)) {
            throw err(Errno.EPERM, "immutable");
        }
        if (((f ^ old) & FL_JOURNAL_DATA) != 0 && !caller.isRoot()) {
            throw err(Errno.EPERM, "journal data by non-root");
        }
        int daxExclusive = 0x100000 | 0x800 | FL_JOURNAL_DATA;
        if ((f & FL_DAX) != 0 && (old & daxExclusive) != 0 || (f & daxExclusive) != 0 && (old & FL_DAX) != 0) {
            throw err(Errno.EOPNOTSUPP, "dax");
        }
        if (((f ^ old) & FL_CASEFOLD) != 0) {
            throw err(Errno.EOPNOTSUPP, "no casefold");
        }
        if (((f ^ old) & FL_EXTENTS) != 0) {
            throw err(Errno.ENOSYS, "extent migration is not modelled");
        }
        int plain = FL_MODIFIABLE & ~FL_JOURNAL_DATA & ~FL_EXTENTS;
        int result = old & ~plain | f & plain;
        if (limits.hasJournal()) {
            result = result & ~FL_JOURNAL_DATA | f & FL_JOURNAL_DATA;
        }
        n.flags = result;
        n.ctime = now();
        return attributes(n);
    }

    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        handleNode(ino, handle);
    }

    @Override
    public void syncfs() {
    }

    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        mode &= ~(umask & 0777); // no default ACLs here: the umask always applies
        if ((flags & O_ACCMODE) == O_RDONLY) {
            throw err(Errno.EINVAL, "O_TMPFILE needs write access");
        }
        Node d = dir(parent);
        mayCreate(caller, d);
        Node n = newInode(caller, d, S_IFREG | (mode & 07777));
        n.nlink = 0;
        nodes.put(n.ino, n);
        if ((flags & O_EXCL) == 0) {
            linkable.add(n.ino);
        }
        long h = nextHandle++;
        handles.put(h, n.ino);
        return new Created(attributes(n), h);
    }


    /** The inode at {@code path} (names joined by '/', "" for the root), or -1 when nothing is there. */
    long inoOf(String path) {
        long at = ROOT_INO;
        if (path.isEmpty()) {
            return at;
        }
        for (String part : path.split("/")) {
            Node d = nodes.get(at);
            Long next = d == null ? null : d.children.get(part);
            if (next == null) {
                return -1;
            }
            at = next;
        }
        return at;
    }

    /** One path of inode {@code ino} from the root ("" for the root), or null when it has none. */
    public String pathOf(long ino) {
        if (ino == ROOT_INO) {
            return "";
        }
        java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>(List.of(ROOT_INO));
        Map<Long, String> paths = new HashMap<>(Map.of(ROOT_INO, ""));
        while (!queue.isEmpty()) {
            Node d = nodes.get(queue.poll());
            for (Map.Entry<String, Long> e : d.children.entrySet()) {
                String p = (paths.get(d.ino).isEmpty() ? "" : paths.get(d.ino) + "/") + e.getKey();
                if (e.getValue() == ino) {
                    return p;
                }
                Node c = nodes.get(e.getValue());
                if (c.isDir() && !paths.containsKey(c.ino)) {
                    paths.put(c.ino, p);
                    queue.add(c.ino);
                }
            }
        }
        return null;
    }

    /** True when {@code caller} may search every directory on the way to {@code path}'s parent. */
    public boolean searchable(Caller caller, String path) {
        Node at = nodes.get(ROOT_INO);
        if (path.isEmpty()) {
            return true;
        }
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (!allowed(caller, at, 1)) {
                return false;
            }
            at = nodes.get(at.children.get(parts[i]));
        }
        return allowed(caller, at, 1);
    }
}
