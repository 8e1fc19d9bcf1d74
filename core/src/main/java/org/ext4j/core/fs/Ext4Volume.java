package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.ext4j.core.dir.DirEntry;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.FileContent;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.extent.BlockMapMigration;
import org.ext4j.core.extent.BlockMapWriter;
import org.ext4j.core.extent.FileWriter;
import org.ext4j.core.xattr.XattrWriter;
import org.ext4j.core.inline.InlineDataWriter;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.IomapFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.SeekDataHole;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.orphan.Orphans;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;

/**
 * The {@link InodeFileSystem} over an {@link Ext4FileSystem}: what backends and the CLI use.
 * Opened read-write it is also a {@link WritableFileSystem}.
 */
public final class Ext4Volume implements IomapFileSystem {
    /** A cap on the mappings one call returns; callers continue from where the list ends. */
    private static final int MAX_MAPPINGS = 4096;

    private static final String ACL_ACCESS = "system.posix_acl_access";
    private static final String ACL_DEFAULT = "system.posix_acl_default";

    private final Ext4FileSystem fs;
    private final XattrReader xattrs;
    private final AtomicLong nextHandle = new AtomicLong();
    private final ConcurrentHashMap<Long, OpenFile> openFiles = new ConcurrentHashMap<>();
    /** Open handles per inode. */
    private final ConcurrentHashMap<Long, Integer> openCounts = new ConcurrentHashMap<>();
    /**
     * Inodes without a link that are open (unlinked while open, or O_TMPFILE): on the on-disk
     * orphan list, freed when their last handle is released.
     */
    private final java.util.Set<Long> unlinkedOpen = ConcurrentHashMap.newKeySet();
    /** O_TMPFILE inodes opened without O_EXCL and not linked yet: the kernel's I_LINKABLE. */
    private final java.util.Set<Long> linkable = ConcurrentHashMap.newKeySet();
    private final java.time.Clock clock;
    private final WriteTimes writeTimes = new WriteTimes();
    /** Told when a write, fallocate or truncate dropped setuid/setgid (see {@link #onPrivilegesDropped}). */
    private volatile java.util.function.LongConsumer privilegesDropped = ino -> { };
    /** The orphan records, with what makes taking an orphan off them cheap (one per volume). */
    private final Orphans orphans;
    private Namespace namespace;

    private Ext4Volume(Ext4FileSystem fs, java.time.Clock clock) {
        this.fs = fs;
        this.xattrs = new XattrReader(fs);
        this.clock = clock;
        this.orphans = new Orphans(fs);
        if (!fs.isReadOnly()) {
            OrphanCleanup cleanup = new OrphanCleanup(fs);
            if (cleanup.needed()) {
                cleanup.run(transactions(), namespace());
            }
        }
    }

    /**
     * Opens the image or block device at {@code path}. A read-write open finishes what a crash
     * left on the orphan lists (frees unlinked inodes, completes truncates) as the kernel's
     * mount does; a read-only open leaves them alone.
     */
    public static Ext4Volume open(Path path, OpenOptions options) throws IOException {
        FileBlockDevice device = FileBlockDevice.open(path, options.readOnly());
        try {
            Ext4FileSystem fs = Ext4FileSystem.open(device, options);
            if (!fs.isReadOnly()) {
                fs.transactions().startCommitTimer(options.commitInterval());
            }
            return new Ext4Volume(fs, java.time.Clock.systemUTC());
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** Wraps an already opened filesystem, processing its orphans when it is writable (see {@link #open}). */
    public static Ext4Volume of(Ext4FileSystem fs) {
        return new Ext4Volume(fs, java.time.Clock.systemUTC());
    }

    /**
     * Wraps an already opened filesystem with the clock that "now" timestamps come from (tests
     * give a fixed clock so that an in-memory model can predict every ctime).
     */
    public static Ext4Volume of(Ext4FileSystem fs, java.time.Clock clock) {
        return new Ext4Volume(fs, clock);
    }

    /** The underlying filesystem (superblock, groups, raw inodes) for tools like {@code info}. */
    public Ext4FileSystem fileSystem() {
        return fs;
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        Inode dir = liveInode(parent);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + parent + " is not a directory");
        }
        checkName(name);
        Permissions.check(caller, dir, xattrs, Permissions.X_OK);
        DirEntry entry = DirectoryReader.of(fs, dir).lookup(name).orElseThrow(() -> new Ext4Exception(Errno.ENOENT,
                "no entry " + new String(name, java.nio.charset.StandardCharsets.UTF_8) + " in directory inode " + parent));
        Attributes a = attributes(entryTarget(parent, entry));
        if (entry.fileType() != FileType.UNKNOWN && entry.fileType() != a.type()) {
            throw new CorruptionException("directory inode " + parent + ": entry " + entry.nameString() + " says "
                    + entry.fileType() + " but inode " + entry.ino() + " is " + a.type());
        }
        return a;
    }

    /** A path component: 1 to 255 bytes, no '/' and no NUL. */
    static void checkName(byte[] name) {
        if (name.length == 0) {
            throw new Ext4Exception(Errno.ENOENT, "empty file name");
        }
        if (name.length > DirectoryReader.NAME_MAX) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "file name of " + name.length + " bytes is longer than 255");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new Ext4Exception(Errno.EINVAL, "file name contains '/' or NUL");
            }
        }
    }

    @Override
    public Attributes getattr(long ino) {
        return attributes(liveInode(ino));
    }

    /**
     * {@inheritDoc} The reserved inodes below s_first_ino (the journal, resize, bad blocks) are
     * never reached this way, as in the kernel's ext4_nfs_get_inode.
     */
    @Override
    public Attributes getattrByHandle(long ino) {
        if (ino != ROOT_INO && ino < fs.superblock().firstIno()) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + ino + " is reserved and named by no file handle");
        }
        return getattr(ino);
    }

    /**
     * Reads inode {@code ino}, named by the caller (a FUSE node id or handle), and checks that it
     * is in use. One that is not was freed after the caller learnt its number: ESTALE, as the
     * kernel answers for a stale handle, not corruption.
     */
    Inode liveInode(long ino) {
        requireExists(ino);
        Inode inode = fs.inode(ino);
        requireInUse(inode);
        CorruptionException.check(inode.size() >= 0, "inode " + ino + ": negative i_size");
        return inode;
    }

    /**
     * The inode a directory entry of {@code parent} names. Unlike a number from the caller, a
     * number found inside the filesystem must be valid: a free or out-of-range inode is a
     * dangling entry, which is corruption.
     */
    private Inode entryTarget(long parent, DirEntry entry) {
        long ino = entry.ino();
        if (ino < 1 || ino > fs.superblock().inodesCount()) {
            throw new CorruptionException("directory inode " + parent + ": entry " + entry.nameString()
                    + " points to inode " + ino + ", outside the inode table");
        }
        Inode inode = fs.inode(ino);
        if (!inUse(inode)) {
            throw new CorruptionException("directory inode " + parent + ": entry " + entry.nameString()
                    + " points to inode " + ino + ", which is not in use (links " + inode.linksCount()
                    + ", mode 0" + Integer.toOctalString(inode.mode()) + ")");
        }
        CorruptionException.check(inode.size() >= 0, "inode " + ino + ": negative i_size");
        checkBlockReferences(inode);
        return inode;
    }

    /**
     * Checks the block references held in the inode itself (the extent tree root, or the 15
     * block pointers) against the filesystem's fixed metadata, as the kernel's ext4_iget does
     * when it first loads an inode: a file that points into metadata cannot even be looked up.
     */
    private void checkBlockReferences(Inode inode) {
        FileType type = inode.type();
        boolean mapped = type == FileType.REGULAR || type == FileType.DIRECTORY || (type == FileType.SYMLINK && !isFastSymlink(inode));
        if (mapped && !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            BlockMap.of(fs, inode);
        }
    }

    /** ESTALE for an inode number past the inode table (the caller's number cannot name an inode). */
    private void requireExists(long ino) {
        if (ino < 1 || ino > fs.superblock().inodesCount()) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + ino + " does not exist");
        }
    }

    /** ESTALE for an inode the caller names that is no longer in use (see {@link #liveInode(long)}). */
    private void requireInUse(Inode inode) {
        if (!inUse(inode)) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + inode.ino() + " is no longer in use (links "
                    + inode.linksCount() + ", mode 0" + Integer.toOctalString(inode.mode()) + ")");
        }
    }

    /**
     * True for an inode something may name: it has a type and links, or it is the root, or an
     * unlinked inode still open or known to the kernel (on the orphan list until released).
     */
    private boolean inUse(Inode inode) {
        if (inode.type() == FileType.UNKNOWN) {
            return false;
        }
        return inode.linksCount() > 0 || inode.ino() == InodeFileSystem.ROOT_INO || unlinkedOpen.contains(inode.ino());
    }

    /** The stat view of an inode (which counts as reading its times: see {@link WriteTimes}). */
    Attributes attributes(Inode inode) {
        writeTimes.queried(inode.ino());
        Superblock sb = fs.superblock();
        long nlink = inode.linksCount();
        if (inode.isDirectory() && nlink == 1 && sb.hasRoCompat(Features.RO_COMPAT_DIR_NLINK)) {
            nlink = 1; // dir_nlink: the count overflowed past 65000 and is no longer maintained
        }
        FileType type = inode.type();
        boolean device = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
        return new Attributes(inode.ino(), type, inode.mode(), nlink, inode.uid(), inode.gid(), inode.size(),
                inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()), fs.blockSize(),
                inode.atime(), inode.mtime(), inode.ctime(), inode.crtime(),
                device ? inode.deviceMajor() : 0, device ? inode.deviceMinor() : 0, inode.generation(), inode.flags());
    }

    @Override
    public byte[] readlink(long ino) {
        Inode inode = liveInode(ino);
        if (inode.type() != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a symbolic link");
        }
        long size = inode.size();
        CorruptionException.check(size > 0 && size < 65536, "symlink inode " + ino + ": target length " + size + " is out of range");
        byte[] target = new byte[(int) size];
        int n = readContent(inode, null, 0, target, 0, target.length);
        CorruptionException.check(n == size, "symlink inode " + ino + ": target shorter than its size");
        accessed(inode, false);
        return target;
    }

    /** A fast symlink keeps its target in i_block: no blocks are charged to it and it is not inline. */
    private boolean isFastSymlink(Inode inode) {
        if (inode.type() != FileType.SYMLINK || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            return false;
        }
        long eaBlocks = inode.fileAcl() != 0 ? fs.blockSize() / 512 : 0;
        return inode.blocks512(fs.superblock().hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()) - eaBlocks == 0
                && inode.size() < Inode.I_BLOCK_SIZE;
    }

    /** Reads file bytes, through {@code content} when given (an open handle's cached block map). */
    private int readContent(Inode inode, FileContent content, long pos, byte[] dst, int off, int len) {
        if (isFastSymlink(inode)) {
            byte[] iblock = inode.iBlock();
            if (pos >= inode.size()) {
                return 0;
            }
            int n = (int) Math.min(len, inode.size() - pos);
            System.arraycopy(iblock, (int) pos, dst, off, n);
            return n;
        }
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            byte[] data = InlineData.content(fs, inode);
            if (pos >= inode.size()) {
                return 0;
            }
            int n = (int) Math.min(len, inode.size() - pos);
            // Past the inline bytes (an i_size larger than the inode holds) the kernel reads zeros.
            int fromInline = (int) Math.max(0, Math.min(n, data.length - pos));
            if (fromInline > 0) {
                System.arraycopy(data, (int) pos, dst, off, fromInline);
            }
            java.util.Arrays.fill(dst, off + fromInline, off + n, (byte) 0);
            return n;
        }
        return (content != null ? content : new FileContent(fs, inode)).read(pos, dst, off, len);
    }

    @Override
    public long opendir(Caller caller, long ino) {
        Inode dir = liveInode(ino);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        Permissions.check(caller, dir, xattrs, Permissions.R_OK);
        return nextHandle.incrementAndGet();
    }

    /**
     * {@inheritDoc} An indexed directory is listed in hash order with hash cookies, any other in
     * on-disk order with positions plus one as cookies ({@link DirectoryReader#readdirFromCookie}).
     * Names sharing a full hash share a cookie, so they are returned in one call, even past
     * {@code maxEntries} when they alone exceed it; each but the last carries the group's own
     * cookie, as the kernel's d_off does.
     */
    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative directory offset " + offset);
        }
        Inode dir = liveInode(ino);
        List<DirectoryEntry> out = new ArrayList<>();
        if (maxEntries <= 0) {
            return out;
        }
        DirectoryReader.of(fs, dir).readdirFromCookie(offset, (group, cookie, nextCookie) -> {
            if (!out.isEmpty() && out.size() + group.size() > maxEntries) {
                return false;
            }
            for (int i = 0; i < group.size(); i++) {
                DirEntry e = group.get(i);
                out.add(new DirectoryEntry(e.ino(), e.name(), e.fileType(), i == group.size() - 1 ? nextCookie : cookie));
            }
            return out.size() < maxEntries;
        });
        accessed(dir, false);
        return out;
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    /** {@inheritDoc} See {@link Ext4FileSystem#remount}. */
    @Override
    public void remount(boolean readOnly) {
        fs.remount(readOnly);
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        Inode inode = liveInode(ino);
        if (inode.isDirectory()) {
            throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
        }
        int access = flags & O_ACCMODE;
        if (access != O_RDONLY && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        int mask = access == O_RDONLY ? Permissions.R_OK : access == O_WRONLY ? Permissions.W_OK : Permissions.R_OK | Permissions.W_OK;
        if (access == O_RDONLY && (flags & FMODE_EXEC) != 0) {
            // execve opens with MAY_EXEC alone: a program may run where it may not be read (mode 0711).
            mask = Permissions.X_OK;
        }
        // inode_permission refuses a write to an immutable inode before it looks at the mode;
        // may_open checks append-only only after the mode allowed the open.
        if (access != O_RDONLY && inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
        }
        Permissions.check(caller, inode, xattrs, mask);
        if (access != O_RDONLY && inode.hasFlag(InodeFlags.EXT4_APPEND_FL) && (flags & WritableFileSystem.O_APPEND) == 0) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is append-only");
        }
        if ((flags & WritableFileSystem.O_TRUNC) != 0 && access != O_RDONLY && inode.type() == FileType.REGULAR
                && inode.size() > 0) {
            truncateLocked(caller, ino, 0);
        }
        return register(ino, flags);
    }

    /** Records an open handle of inode {@code ino}; the inode stays alive until its last handle is released. */
    private long register(long ino, int flags) {
        long handle = nextHandle.incrementAndGet();
        openFiles.put(handle, new OpenFile(ino, flags));
        openCounts.merge(ino, 1, Integer::sum);
        return handle;
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        OpenFile file = openFile(ino, handle);
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative read offset " + offset);
        }
        // The current inode, not the one at open: writes through other handles must show.
        Inode inode = fs.inode(ino);
        int n = readContent(inode, null, offset, dst, dstOff, len);
        if (len > 0) {
            // As filemap_read: a read that asked for bytes counts as an access, also at end of file.
            accessed(inode, (file.flags() & O_NOATIME) != 0);
        }
        return n;
    }

    /** open(2)'s O_NOATIME (Linux value): reads through this handle leave the access time alone. */
    private static final int O_NOATIME = 01000000;

    /**
     * touch_atime after a read, a directory listing or a readlink: the access time becomes now
     * when the atime mode asks for it, in a small transaction of its own that joins the running
     * one. Nothing happens on a read-only volume, for an inode flagged NOATIME or a handle opened
     * O_NOATIME, or when now is what is stored already. The decision is made on the committed
     * inode first so that most reads take no transaction at all.
     */
    private void accessed(Inode inode, boolean noatimeHandle) {
        if (fs.isReadOnly() || noatimeHandle || inode.hasFlag(InodeFlags.EXT4_NOATIME_FL)
                || inode.isDirectory() && fs.noDirAtime()) {
            return;
        }
        Timestamp now = now();
        // After a failed commit the kernel skips the update and lets the read succeed; so do we.
        if (!atimeNeedsUpdate(inode, now) || !fs.transactions().acceptsHandles()) {
            return;
        }
        long ino = inode.ino();
        try (Transaction tx = fs.transactions().begin()) {
            Inode current = InodeStore.read(tx, ino);
            // Freed or replaced since the caller read it: there is nothing left to touch.
            if (inUse(current) && atimeNeedsUpdate(current, now)) {
                InodeStore.write(tx, ino, new InodeEditor(current).atime(now).raw());
                tx.commit();
            }
        }
    }

    /** atime_needs_update for the volume's {@link AtimeMode} (relatime_need_update for RELATIME). */
    private boolean atimeNeedsUpdate(Inode inode, Timestamp now) {
        Timestamp atime = inode.atime();
        switch (fs.atimeMode()) {
            case NOATIME:
                return false;
            case RELATIME:
                boolean stale = compare(inode.mtime(), atime) >= 0 || compare(inode.ctime(), atime) >= 0
                        || now.seconds() - atime.seconds() >= RELATIME_MAX_AGE_SECONDS;
                return stale && !atime.equals(now);
            default:
                return !atime.equals(now);
        }
    }

    /** relatime still updates an access time that is this old (a day), whatever mtime and ctime say. */
    private static final long RELATIME_MAX_AGE_SECONDS = 24 * 60 * 60;

    private static int compare(Timestamp a, Timestamp b) {
        int bySeconds = Long.compare(a.seconds(), b.seconds());
        return bySeconds != 0 ? bySeconds : Integer.compare(a.nanos(), b.nanos());
    }

    /**
     * {@inheritDoc} Releasing the last handle of an inode whose last link is gone frees it.
     */
    @Override
    public void release(long ino, long handle) {
        OpenFile file = openFiles.remove(handle);
        if (file == null) {
            return;
        }
        Integer left = openCounts.computeIfPresent(file.ino(), (k, n) -> n > 1 ? n - 1 : null);
        // Read-only (remounted so): the orphan list keeps it, for close or the next read-write open.
        if (left == null && unlinkedOpen.contains(file.ino()) && !fs.isReadOnly()) {
            freeOrphan(file.ino());
        }
    }

    /**
     * {@inheritDoc} Counted with the open handles: an inode the kernel still knows goes on the
     * orphan list when its last link goes (as the kernel's ext4 does while anything holds the
     * inode) and is freed at the last forget or release.
     */
    @Override
    public void retain(long ino) {
        openCounts.merge(ino, 1, Integer::sum);
    }

    @Override
    public void forget(long ino) {
        Integer left = openCounts.computeIfPresent(ino, (k, n) -> n > 1 ? n - 1 : null);
        if (left == null && unlinkedOpen.contains(ino) && !fs.isReadOnly()) {
            freeOrphan(ino);
        }
    }

    /**
     * {@inheritDoc} The inodes whose last reference this drops and whose last link is gone are
     * taken off the orphan list and freed in one transaction: a FUSE server that collects the
     * kernel's FORGETs (rm -rf sends one per file) pays for one commit, and copies each bitmap
     * and inode table block once, per batch instead of per inode.
     */
    @Override
    public void forgetAll(long[] inos) {
        List<Long> free = new ArrayList<>();
        for (long ino : inos) {
            Integer left = openCounts.computeIfPresent(ino, (k, n) -> n > 1 ? n - 1 : null);
            if (left == null && unlinkedOpen.contains(ino) && !fs.isReadOnly()) {
                free.add(ino);
            }
        }
        if (free.isEmpty()) {
            return;
        }
        try (Transaction tx = transactions().begin()) {
            for (long ino : free) {
                orphans.remove(tx, ino);
                namespace().release(tx, ino);
            }
            tx.commit();
        }
        for (long ino : free) {
            unlinkedOpen.remove(ino);
            linkable.remove(ino);
        }
    }

    /** Takes inode {@code ino} off the orphan list and frees it, in one transaction. */
    private void freeOrphan(long ino) {
        // Only the caller that takes the inode out of the set frees it, and it does so before the
        // inode can be freed and handed out again: a later unlink of the reused number must not
        // lose its own entry to this one. If freeing fails the inode stays an orphan, as before.
        if (!unlinkedOpen.remove(ino)) {
            return;
        }
        boolean wasLinkable = linkable.remove(ino);
        boolean freed = false;
        try (Transaction tx = transactions().begin()) {
            orphans.remove(tx, ino);
            namespace().release(tx, ino);
            tx.commit();
            freed = true;
        } finally {
            if (!freed) {
                unlinkedOpen.add(ino);
                if (wasLinkable) {
                    linkable.add(ino);
                }
            }
        }
    }

    /** An open file: its inode and open(2) flags. */
    private record OpenFile(long ino, int flags) {
        boolean writable() {
            return (flags & O_ACCMODE) != O_RDONLY;
        }

        boolean append() {
            return (flags & WritableFileSystem.O_APPEND) != 0;
        }
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        Inode inode = liveInode(ino);
        if ((mask & Permissions.W_OK) != 0 && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        Permissions.check(caller, inode, xattrs, mask);
    }

    @Override
    public StatFs statfs() {
        Superblock sb = fs.superblock();
        long free = sb.freeBlocksCount();
        long reserved = sb.reservedBlocksCount();
        return new StatFs(fs.blockSize(), sb.blocksCount() - overhead(), free, Math.max(0, free - reserved),
                sb.inodesCount(), sb.freeInodesCount(), 255, sb.uuid());
    }

    /**
     * Blocks taken by filesystem metadata (superblock and descriptor copies, bitmaps, inode
     * tables, the journal), which statfs leaves out of the total as the kernel does. Computed
     * from the geometry alone, so it costs no reads.
     */
    private long overhead() {
        Superblock sb = fs.superblock();
        long stored = LittleEndian.u32(sb.raw(), 0x248);
        if (stored != 0) {
            return stored;
        }
        long groups = sb.groupCount();
        long gdtBlocks = (groups + sb.descsPerBlock() - 1) / sb.descsPerBlock();
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + fs.blockSize() - 1) / fs.blockSize();
        long total = sb.firstDataBlock();
        boolean metaBg = sb.hasIncompat(Features.INCOMPAT_META_BG);
        for (long g = 0; g < groups; g++) {
            if (sb.groupHasSuper(g)) {
                total += 1 + (metaBg ? 0 : gdtBlocks + sb.reservedGdtBlocks());
            }
            if (metaBg) {
                long inMeta = g % sb.descsPerBlock();
                if (inMeta == 0 || inMeta == 1 || inMeta == sb.descsPerBlock() - 1) {
                    total += 1;
                }
            }
            total += 2 + itableBlocks;
        }
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.journalInum() != 0) {
            Inode journal = fs.inode(sb.journalInum());
            total += journal.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()) / (fs.blockSize() / 512);
        }
        return Math.min(total, sb.blocksCount());
    }

    /**
     * {@inheritDoc} POSIX ACLs come back in the VFS xattr form (version 2) that getxattr(2)
     * returns, not ext4's compact on-disk form.
     */
    @Override
    public byte[] getxattr(long ino, String name) {
        Inode inode = liveInode(ino);
        byte[] value = xattrs.get(inode, name).orElseThrow(
                () -> new Ext4Exception(Errno.ENODATA, "inode " + ino + " has no extended attribute " + name));
        if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
            return PosixAcl.fromDisk(value).toXattr();
        }
        return value;
    }

    @Override
    public List<String> listxattr(long ino) {
        return xattrs.names(liveInode(ino));
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw new Ext4Exception(Errno.EINVAL, "bad range " + offset + "+" + length);
        }
        Inode inode = liveInode(ino);
        List<MappedExtent> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        if (inode.type() != FileType.REGULAR && inode.type() != FileType.DIRECTORY) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " has no block map");
        }
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            out.add(new MappedExtent(offset, length, -1, MappedExtent.Kind.INLINE));
            return out;
        }
        long bs = fs.blockSize();
        BlockMap map = BlockMap.of(fs, inode);
        long lblk = offset / bs;
        long endBlock = (offset + length - 1) / bs + 1;
        while (lblk < endBlock && out.size() < MAX_MAPPINGS) {
            Mapping m = map.map(lblk, endBlock - lblk);
            CorruptionException.check(m.lblk() == lblk && m.length() > 0, "inode " + ino + ": block map made no progress at " + lblk);
            long start = Math.max(offset, lblk * bs);
            long end = Math.min(offset + length, (lblk + m.length()) * bs);
            long dev = m.kind() == Mapping.Kind.HOLE ? -1 : m.pblk() * bs + (start - lblk * bs);
            MappedExtent.Kind kind = switch (m.kind()) {
                case HOLE -> MappedExtent.Kind.HOLE;
                case MAPPED -> MappedExtent.Kind.MAPPED;
                case UNWRITTEN -> MappedExtent.Kind.UNWRITTEN;
            };
            out.add(new MappedExtent(start, end - start, dev, kind));
            lblk += m.length();
        }
        return out;
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public String readOnlyReason() {
        return fs.readOnlyReason();
    }

    /** The transaction manager (a read-only volume never needs one). */
    private TransactionManager transactions() {
        requireWritable();
        return fs.transactions();
    }

    private void requireWritable() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
    }

    /** The current time as the inode clock gives it. */
    private Timestamp now() {
        java.time.Instant instant = clock.instant();
        return new Timestamp(instant.getEpochSecond(), instant.getNano());
    }

    /** The inode as {@code tx} sees it, checked to be in use like {@link #liveInode}. */
    private Inode liveInode(Transaction tx, long ino) {
        requireExists(ino);
        Inode inode = InodeStore.read(tx, ino);
        requireInUse(inode);
        return inode;
    }

    /** The namespace rules over the real writers, made on first write. */
    private synchronized Namespace namespace() {
        if (namespace == null) {
            namespace = new Namespace(fs, new WriterDirectoryOps(fs), clock);
        }
        return namespace;
    }

    /**
     * Frees {@code ino} now, or if it is open puts it on the orphan list in {@code tx} and frees
     * it when its last handle closes (-1: nothing to free). A crash before that close leaves it
     * on the list for the next read-write open (or e2fsck) to free.
     */
    private void releaseOrDefer(Transaction tx, long ino) {
        if (ino < 0) {
            return;
        }
        if (openCounts.containsKey(ino)) {
            ReleaseCheck.requireReleasable(fs, tx, ino);
            orphans.add(tx, ino);
            unlinkedOpen.add(ino);
        } else {
            namespace().release(tx, ino);
        }
    }

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        requireWritable();
        long ino;
        try (Transaction tx = transactions().begin()) {
            Inode dir = liveInode(tx, parent);
            if (!dir.isDirectory()) {
                throw new Ext4Exception(Errno.ENOTDIR, "inode " + parent + " is not a directory");
            }
            Permissions.check(caller, dir, XattrReader.of(tx), Permissions.X_OK);
            checkName(name);
            long existing = DirectoryReader.of(tx, dir).lookup(name).map(DirEntry::ino).orElse(-1L);
            if (existing >= 0) {
                if ((flags & WritableFileSystem.O_EXCL) != 0) {
                    throw new Ext4Exception(Errno.EEXIST, "file exists");
                }
                tx.abort();
                // Opened first: O_TRUNC truncates there, and the attributes must show it.
                long handle = open(caller, existing, flags);
                return new Created(getattr(existing), handle);
            }
            ino = namespace().mknod(tx, caller, parent, name, FileType.REGULAR.modeBits() | (mode & 07777), umask, 0, 0);
            tx.commit();
        }
        return new Created(getattr(ino), register(ino, flags));
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        requireWritable();
        return inTransaction(tx -> namespace().mknod(tx, caller, parent, name, mode, umask, rdevMajor, rdevMinor));
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        requireWritable();
        return inTransaction(tx -> namespace().mkdir(tx, caller, parent, name, mode, umask));
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        requireWritable();
        return inTransaction(tx -> namespace().symlink(tx, caller, parent, name, target));
    }

    /**
     * {@inheritDoc} Linking an O_TMPFILE inode (opened without O_EXCL) gives it its first name
     * and takes it off the orphan list in the same transaction.
     */
    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        requireWritable();
        boolean tmpfile = linkable.contains(ino);
        try (Transaction tx = transactions().begin()) {
            namespace().link(tx, caller, ino, newParent, newName, tmpfile);
            if (tmpfile) {
                orphans.remove(tx, ino);
            }
            tx.commit();
        }
        if (tmpfile) {
            linkable.remove(ino);
            unlinkedOpen.remove(ino);
        }
        return getattr(ino);
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        requireWritable();
        try (Transaction tx = transactions().begin()) {
            releaseOrDefer(tx, namespace().unlink(tx, caller, parent, name));
            tx.commit();
        }
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        requireWritable();
        try (Transaction tx = transactions().begin()) {
            namespace().release(tx, namespace().rmdir(tx, caller, parent, name));
            tx.commit();
        }
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        requireWritable();
        try (Transaction tx = transactions().begin()) {
            releaseOrDefer(tx, namespace().rename(tx, caller, parent, name, newParent, newName, flags));
            tx.commit();
        }
    }

    /** Runs a namespace change that yields an inode in one transaction and returns that inode's attributes. */
    private Attributes inTransaction(java.util.function.ToLongFunction<Transaction> change) {
        long ino;
        try (Transaction tx = transactions().begin()) {
            ino = change.applyAsLong(tx);
            tx.commit();
        }
        return getattr(ino);
    }

    /**
     * {@inheritDoc} Inline files stay inline while they fit and move to blocks when they stop
     * fitting; a write by a caller without CAP_FSETID (not root) clears setuid, and setgid when
     * group-execute is set, as the kernel's file_remove_privs does.
     */
    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        requireWritable();
        OpenFile file = openFile(ino, handle);
        if (!file.writable()) {
            throw new Ext4Exception(Errno.EBADF, "handle " + handle + " is not open for writing");
        }
        if (offset < 0 || len < 0) {
            throw new Ext4Exception(Errno.EINVAL, "bad write range " + offset + "+" + len);
        }
        try (Transaction tx = transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
            }
            long pos = file.append() || inode.hasFlag(InodeFlags.EXT4_APPEND_FL) ? inode.size() : offset;
            if (len == 0) {
                return 0;
            }
            writeContent(tx, inode, pos, src, srcOff, len);
            Inode written = InodeStore.read(tx, ino);
            Timestamp now = now();
            int mode = SetattrRules.withoutPrivileges(caller, written.mode(), written.gid());
            if (mode != written.mode() || !writeTimes.stillCurrent(ino, written, now)) {
                InodeStore.write(tx, ino, new InodeEditor(written).mtime(now).ctime(now).mode(mode).raw());
                writeTimes.stamped(ino, now);
            }
            if (written.type() == FileType.REGULAR) {
                killPriv(tx, ino);
            }
            tx.commit();
            told(mode != written.mode(), ino);
            return len;
        }
    }

    /** Writes file bytes: inline while they fit, else through the block map (converting an inline file first). */
    private void writeContent(Transaction tx, Inode inode, long pos, byte[] src, int srcOff, int len) {
        long ino = inode.ino();
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            InlineDataWriter inline = new InlineDataWriter();
            if (inline.writeInline(tx, ino, pos, src, srcOff, len)) {
                return;
            }
            inline.convertToBlocks(tx, ino, (t, i, block) -> fileWriter().write(t, i, 0, block, 0,
                    (int) Math.min(block.length, InodeStore.read(t, i).size())));
        }
        fileWriter().write(tx, ino, pos, src, srcOff, len);
    }

    private FileWriter fileWriter() {
        return new FileWriter(fs);
    }

    /**
     * {@inheritDoc} Mode, owner and times are changed in one transaction, and with them what
     * the kernel changes beside: chmod rewrites a POSIX access ACL to match the new mode, chown
     * of anything but a directory drops security.capability. A size change is a truncate.
     */
    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        requireWritable();
        if (changes.size().isPresent()) {
            Inode inode = liveInode(ino);
            if (inode.isDirectory()) {
                throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
            }
            if (inode.type() != FileType.REGULAR) {
                throw new Ext4Exception(Errno.EINVAL, "only regular files have a size to change");
            }
            if (changes.size().getAsLong() < 0) {
                throw new Ext4Exception(Errno.EINVAL, "negative size");
            }
            // ftruncate on an open handle is checked against the handle, not the mode (the kernel's rule).
            boolean throughWritableHandle = handle >= 0 && openFiles.containsKey(handle) && openFiles.get(handle).writable();
            if (!throughWritableHandle) {
                // inode_permission(MAY_WRITE) refuses an immutable inode before it looks at the mode.
                if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                    throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
                }
                Permissions.check(caller, inode, xattrs, Permissions.W_OK);
            }
            truncateLocked(caller, ino, changes.size().getAsLong());
            changes = changes.withoutSize();
        }
        if (changes.isEmpty()) {
            return getattr(ino);
        }
        try (Transaction tx = transactions().begin()) {
            Inode inode = liveInode(tx, ino);
            Timestamp now = now();
            SetattrRules.Outcome outcome = SetattrRules.apply(caller, inode, XattrReader.of(tx), changes, now);
            boolean chown = changes.uid().isPresent() || changes.gid().isPresent();
            InodeEditor fields = new InodeEditor(inode);
            fields.mode(outcome.mode()).uid(outcome.uid()).gid(outcome.gid());
            if (outcome.atime() != null) {
                fields.atime(outcome.atime());
            }
            if (outcome.mtime() != null) {
                fields.mtime(outcome.mtime());
            }
            fields.ctime(now);
            InodeStore.write(tx, ino, fields.raw());
            if (changes.mode().isPresent()) {
                chmodAcl(tx, ino);
            }
            if (chown && inode.type() != FileType.DIRECTORY) {
                killPriv(tx, ino);
            }
            tx.commit();
        }
        return getattr(ino);
    }

    @Override
    public void onPrivilegesDropped(java.util.function.LongConsumer listener) {
        privilegesDropped = listener == null ? ino -> { } : listener;
    }

    /** Tells the listener that {@code ino} lost setuid/setgid, when {@code dropped}. */
    private void told(boolean dropped, long ino) {
        if (dropped) {
            privilegesDropped.accept(ino);
        }
    }

    private static final String SECURITY_CAPABILITY = "security.capability";

    /**
     * posix_acl_chmod: an access ACL follows the new mode (owner, group-or-mask and other
     * entries), and goes away when what is left says no more than the mode does.
     */
    private void chmodAcl(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        java.util.Optional<byte[]> stored = XattrReader.of(tx).get(inode, ACL_ACCESS);
        if (stored.isPresent()) {
            PosixAcl updated = PosixAcl.fromDisk(stored.get()).withMode(inode.mode());
            xattrWriter().setAcl(tx, ino, ACL_ACCESS, updated.toXattr(), true);
        }
    }

    /**
     * The kernel's killpriv: a write, a truncate or a chown of a file drops its file
     * capabilities (security.capability), whoever the caller is.
     */
    private void killPriv(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        if (XattrReader.of(tx).get(inode, SECURITY_CAPABILITY).isPresent()) {
            xattrWriter().remove(tx, ino, SECURITY_CAPABILITY);
        }
    }

    private XattrWriter xattrWriter() {
        return new XattrWriter(new BlockAllocator(new GroupAccounting(fs)));
    }

    /** Sets the size of regular file {@code ino} (a permission check is the caller's), with mtime/ctime now. */
    private void truncateLocked(Caller caller, long ino, long size) {
        if (size < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative size " + size);
        }
        try (Transaction tx = transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            if (size > FileWriter.maxFileSize(fs.superblock(), inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL))) {
                throw new Ext4Exception(Errno.EFBIG, "size " + size + " exceeds the largest file this filesystem holds");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                InlineDataWriter inline = new InlineDataWriter();
                if (!inline.truncate(tx, ino, size)) {
                    inline.convertToBlocks(tx, ino, (t, i, block) -> fileWriter().write(t, i, 0, block, 0,
                            (int) Math.min(block.length, InodeStore.read(t, i).size())));
                    fileWriter().truncate(tx, ino, size);
                }
            } else {
                fileWriter().truncate(tx, ino, size);
            }
            Inode after = InodeStore.read(tx, ino);
            InodeEditor e = new InodeEditor(after);
            Timestamp now = now();
            // truncate(2) moves mtime and ctime even to the same size (checked against kernel 6.18).
            e.mtime(now).ctime(now);
            int mode = SetattrRules.withoutPrivileges(caller, after.mode(), after.gid());
            if (mode != after.mode()) {
                e.mode(mode).ctime(now);
            }
            InodeStore.write(tx, ino, e.raw());
            killPriv(tx, ino);
            tx.commit();
            told(mode != after.mode(), ino);
        }
    }

    /**
     * {@inheritDoc} Default and KEEP_SIZE preallocate unwritten extents; PUNCH_HOLE (with
     * KEEP_SIZE) frees blocks; ZERO_RANGE zeroes; COLLAPSE_RANGE removes a block-aligned range
     * and INSERT_RANGE opens a hole, moving what follows. The checks run in the kernel's order:
     * vfs_fallocate's (range, mode combination, write access, append-only and immutable, file
     * type, s_maxbytes) refuse with nothing changed; after them, as in ext4_fallocate, an inline
     * file moves to blocks and the call counts as a modification (setuid/setgid dropped for a
     * caller without CAP_FSETID, mtime and ctime set) which stays even when the mode's own
     * checks (extent-mapped file, alignment, i_size) then refuse it, as kernel 6.18 does.
     */
    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        requireWritable();
        OpenFile file = openFile(ino, handle);
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new Ext4Exception(Errno.EINVAL, "bad fallocate range " + offset + "+" + length);
        }
        boolean keepSize = (mode & WritableFileSystem.FALLOC_FL_KEEP_SIZE) != 0;
        int op = mode & ~WritableFileSystem.FALLOC_FL_KEEP_SIZE;
        switch (op) {
            case 0, WritableFileSystem.FALLOC_FL_ZERO_RANGE -> { }
            case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> {
                if (!keepSize) {
                    throw new Ext4Exception(Errno.EOPNOTSUPP, "PUNCH_HOLE needs KEEP_SIZE");
                }
            }
            case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE, WritableFileSystem.FALLOC_FL_INSERT_RANGE -> {
                if (keepSize) {
                    throw new Ext4Exception(Errno.EOPNOTSUPP, "COLLAPSE_RANGE and INSERT_RANGE take no KEEP_SIZE");
                }
            }
            default -> throw new Ext4Exception(Errno.EOPNOTSUPP, "unsupported fallocate mode 0x" + Integer.toHexString(mode));
        }
        if (!file.writable()) {
            throw new Ext4Exception(Errno.EBADF, "handle " + handle + " is not open for writing");
        }
        try (Transaction tx = transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || op != 0 && inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            switch (inode.type()) {
                case REGULAR -> { }
                case FIFO -> throw new Ext4Exception(Errno.ESPIPE, "inode " + ino + " is a fifo");
                case DIRECTORY -> throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
                default -> throw new Ext4Exception(Errno.ENODEV, "inode " + ino + " is a " + inode.type());
            }
            long end = offset + length;
            Superblock sb = fs.superblock();
            if (end > FileWriter.maxFileSize(sb, sb.hasIncompat(Features.INCOMPAT_EXTENTS))) {
                throw new Ext4Exception(Errno.EFBIG, "range ends past the largest file this filesystem holds");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                new InlineDataWriter().convertToBlocks(tx, ino, (t, i, block) -> fileWriter().write(t, i, 0, block, 0,
                        (int) Math.min(block.length, InodeStore.read(t, i).size())));
            }
            Inode modified = InodeStore.read(tx, ino);
            Timestamp now = now();
            int kept = SetattrRules.withoutPrivileges(caller, modified.mode(), modified.gid());
            InodeStore.write(tx, ino, new InodeEditor(modified).mtime(now).ctime(now).mode(kept).raw());
            boolean dropped = kept != modified.mode();
            try {
                switch (op) {
                    case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE -> FileWriter.checkCollapseRange(sb, modified, offset, length);
                    case WritableFileSystem.FALLOC_FL_INSERT_RANGE -> FileWriter.checkInsertRange(sb, modified, offset, length);
                    case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> { }
                    default -> {
                        if (!modified.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
                            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map");
                        }
                    }
                }
            } catch (Ext4Exception refused) {
                // The kernel refuses these after file_modified and the inline conversion, which stay.
                tx.commit();
                told(dropped, ino);
                throw refused;
            }
            int bs = fs.blockSize();
            switch (op) {
                case 0 -> {
                    long first = offset / bs;
                    long last = (end + bs - 1) / bs;
                    // i_size becomes the end of the range, not of its last block.
                    fileWriter().preallocate(tx, ino, first, last - first, true);
                    if (!keepSize && end > InodeStore.read(tx, ino).size()) {
                        InodeStore.write(tx, ino, new InodeEditor(InodeStore.read(tx, ino)).size(end).raw());
                    }
                }
                case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> fileWriter().punchHole(tx, ino, offset, length);
                case WritableFileSystem.FALLOC_FL_ZERO_RANGE -> fileWriter().zeroRange(tx, ino, offset, length, keepSize);
                case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE -> fileWriter().collapseRange(tx, ino, offset, length);
                default -> fileWriter().insertRange(tx, ino, offset, length);
            }
            tx.commit();
            told(dropped, ino);
        }
    }

    /** {@inheritDoc} The handle must name an open file of {@code ino}. */
    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        openFile(ino, handle);
        return SeekDataHole.seek(this, ino, offset, whence);
    }

    private OpenFile openFile(long ino, long handle) {
        OpenFile file = openFiles.get(handle);
        if (file == null || file.ino() != ino) {
            throw new Ext4Exception(Errno.EBADF, "no open file " + handle + " for inode " + ino);
        }
        return file;
    }

    /**
     * {@inheritDoc} Setting an access ACL rewrites the mode's rwx bits from it and, when the
     * caller is neither in the file's group nor root, clears setgid (posix_acl_update_mode).
     */
    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        requireWritable();
        if (name.equals(ACL_ACCESS)) {
            changeXattr(caller, ino, name, (tx, writer) -> writer.setAcl(tx, ino, name, value,
                    caller.isRoot() || caller.inGroup(InodeStore.read(tx, ino).gid())));
            return;
        }
        XattrWriter.SetMode mode = (flags & WritableFileSystem.XATTR_CREATE) != 0 ? XattrWriter.SetMode.CREATE_ONLY
                : (flags & WritableFileSystem.XATTR_REPLACE) != 0 ? XattrWriter.SetMode.REPLACE_ONLY
                : XattrWriter.SetMode.CREATE_OR_REPLACE;
        changeXattr(caller, ino, name, (tx, writer) -> writer.set(tx, ino, name, value, mode));
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        requireWritable();
        changeXattr(caller, ino, name, (tx, writer) -> writer.remove(tx, ino, name));
    }

    /**
     * The kernel's xattr_permission before any change: immutable/append-only inodes refuse,
     * trusted.* and security.* need root, user.* only on files and directories and with write
     * permission, POSIX ACLs only by the owner or root. ctime moves with the change.
     */
    private void changeXattr(Caller caller, long ino, String name,
            java.util.function.BiConsumer<Transaction, XattrWriter> change) {
        int nameBytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > 255) {
            throw new Ext4Exception(Errno.ERANGE, "xattr name of " + nameBytes + " bytes");
        }
        try (Transaction tx = transactions().begin()) {
            Inode inode = liveInode(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            boolean owner = caller.isRoot() || caller.uid() == inode.uid();
            if (name.startsWith("trusted.")) {
                if (!caller.isRoot()) {
                    throw new Ext4Exception(Errno.EPERM, name + " may only be changed by root");
                }
            } else if (name.startsWith("user.")) {
                if (inode.type() != FileType.REGULAR && inode.type() != FileType.DIRECTORY) {
                    throw new Ext4Exception(Errno.EPERM, "user xattrs exist only on files and directories");
                }
                if (inode.isDirectory() && (inode.mode() & 01000) != 0 && !owner) {
                    throw new Ext4Exception(Errno.EPERM, "user xattrs of a sticky directory belong to its owner");
                }
                Permissions.check(caller, inode, XattrReader.of(tx), Permissions.W_OK);
            } else if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
                if (!owner) {
                    throw new Ext4Exception(Errno.EPERM, "only the owner may change the ACL of inode " + ino);
                }
            } else if (!name.startsWith("security.")) {
                // xattr_permission checks write permission before the filesystem rejects the namespace.
                Permissions.check(caller, inode, XattrReader.of(tx), Permissions.W_OK);
            }
            change.accept(tx, new XattrWriter(new BlockAllocator(new GroupAccounting(fs))));
            InodeEditor e = new InodeEditor(InodeStore.read(tx, ino));
            e.ctime(now());
            InodeStore.write(tx, ino, e.raw());
            tx.commit();
        }
    }

    @Override
    public int getflags(long ino) {
        return liveInode(ino).flags() & SetflagsRules.USER_VISIBLE;
    }

    /**
     * {@inheritDoc} As the kernel's ext4_ioctl_setflags: the plain flags and ctime are committed
     * first; then, when EXTENTS_FL changes, the block map is converted ({@link BlockMapMigration}).
     * A conversion the kernel refuses (EOPNOTSUPP for an extent tree that does not fit twelve
     * block pointers, EINVAL without the extents feature or with inline data) is refused the same
     * way, after the other flags have changed.
     */
    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        requireWritable();
        Superblock sb = fs.superblock();
        SetflagsRules.Outcome outcome;
        try (Transaction tx = transactions().begin()) {
            Inode inode = liveInode(tx, ino);
            outcome = SetflagsRules.apply(caller, inode.mode(), inode.uid(), inode.flags(), flags,
                    sb.hasCompat(Features.COMPAT_HAS_JOURNAL), sb.hasIncompat(Features.INCOMPAT_CASEFOLD), ino);
            InodeEditor fields = new InodeEditor(inode).flags(outcome.newFlags()).ctime(now());
            InodeStore.write(tx, ino, fields.raw());
            tx.commit();
        }
        if (outcome.migrateExtents()) {
            try (Transaction tx = transactions().begin()) {
                if ((flags & InodeFlags.EXT4_EXTENTS_FL) != 0) {
                    BlockMapMigration.toExtents(tx, ino, new BlockAllocator(new GroupAccounting(fs)), false);
                } else {
                    BlockMapMigration.toIndirect(tx, ino);
                }
                tx.commit();
            }
        }
        return getattr(ino);
    }

    /**
     * {@inheritDoc} Writes the whole running transaction (the file's data and metadata are in it
     * or in an earlier, already written one) and returns when it is durable.
     */
    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        openFile(ino, handle);
        syncfs();
    }

    @Override
    public void syncfs() {
        if (!fs.isReadOnly()) {
            fs.transactions().sync();
        }
    }

    /**
     * {@inheritDoc} The new inode goes on the orphan list in the transaction that allocates it,
     * so a crash while it is open frees it at the next read-write open.
     */
    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        requireWritable();
        if ((flags & O_ACCMODE) == O_RDONLY) {
            throw new Ext4Exception(Errno.EINVAL, "O_TMPFILE needs O_WRONLY or O_RDWR");
        }
        long ino;
        try (Transaction tx = transactions().begin()) {
            Inode dir = liveInode(tx, parent);
            if (!dir.isDirectory()) {
                throw new Ext4Exception(Errno.ENOTDIR, "inode " + parent + " is not a directory");
            }
            ino = namespace().tmpfile(tx, caller, parent, mode, umask);
            orphans.add(tx, ino);
            tx.commit();
        }
        unlinkedOpen.add(ino);
        if ((flags & WritableFileSystem.O_EXCL) == 0) {
            linkable.add(ino);
        }
        long handle = register(ino, flags & ~WritableFileSystem.O_EXCL);
        return new Created(getattr(ino), handle);
    }

    /** The kernel's EXT4_LINK_MAX. */
    private static final int EXT4_LINK_MAX = 65000;
    /** The times an inode without the extra fields (128-byte inodes) holds: signed 32-bit seconds. */
    private static final long NON_EXTRA_TIMESTAMP_MAX = Integer.MAX_VALUE;
    /** With the extra fields two more epoch bits extend the signed 32-bit seconds. */
    private static final long EXTRA_TIMESTAMP_MAX = (1L << 34) - 1 + Integer.MIN_VALUE;

    @Override
    public Limits limits() {
        Superblock sb = fs.superblock();
        boolean extra = sb.inodeSize() > Superblock.GOOD_OLD_INODE_SIZE;
        return new Limits(fs.blockSize(), FileWriter.maxFileSize(sb, true), EXT4_LINK_MAX, extra ? 1 : 1_000_000_000,
                Integer.MIN_VALUE, extra ? EXTRA_TIMESTAMP_MAX : NON_EXTRA_TIMESTAMP_MAX, sb.uuid());
    }

    @Override
    public java.util.Optional<Path> devicePath() {
        return fs.device() instanceof FileBlockDevice file ? java.util.Optional.of(file.path()) : java.util.Optional.empty();
    }

    /**
     * {@inheritDoc} Holes become unwritten extents for buffered writes too, as the kernel's ext4
     * does by default (dioread_nolock): the allocation is reported at write(2) time, where a full
     * disk must fail, and the data shows only once the kernel says it is on the device.
     */
    @Override
    public MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite) {
        requireWritable();
        if (pos < 0 || count <= 0 || pos > Long.MAX_VALUE - count) {
            throw new Ext4Exception(Errno.EINVAL, "bad write range " + pos + "+" + count + " of inode " + ino);
        }
        int bs = fs.blockSize();
        try (Transaction tx = transactions().begin()) {
            Inode inode = liveInode(tx, ino);
            if (inode.type() != FileType.REGULAR) {
                throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a regular file");
            }
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " keeps its data inline: no blocks to map");
            }
            BlockMapWriter map = BlockMapWriter.of(tx, ino, new BlockAllocator(new GroupAccounting(fs)), false);
            if (!map.supportsUnwritten()) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map: no unwritten extents");
            }
            long max = FileWriter.maxFileSize(fs.superblock(), true);
            if (pos >= max) {
                throw new Ext4Exception(Errno.EFBIG, "writing at " + pos + " of inode " + ino + " passes the maximum file size " + max);
            }
            long first = pos / bs;
            long last = (Math.min(pos + count, max) - 1) / bs;
            Mapping run = map.map(first, last - first + 1);
            CorruptionException.check(run.lblk() == first && run.length() > 0, "inode " + ino + ": block map made no progress at " + first);
            if (run.kind() == Mapping.Kind.HOLE) {
                run = map.allocate(first, run.length(), true).get(0);
                CorruptionException.check(run.lblk() == first && run.isAllocated(), "inode " + ino
                        + ": allocating block " + first + " mapped " + run);
            }
            boolean dropped = false;
            if (fileWrite) {
                Inode now = InodeStore.read(tx, ino);
                Timestamp time = now();
                int mode = SetattrRules.withoutPrivileges(caller, now.mode(), now.gid());
                InodeStore.write(tx, ino, new InodeEditor(now).mtime(time).ctime(time).mode(mode).raw());
                killPriv(tx, ino);
                dropped = mode != now.mode();
            }
            tx.commit();
            told(dropped, ino);
            MappedExtent.Kind kind = run.kind() == Mapping.Kind.MAPPED ? MappedExtent.Kind.MAPPED : MappedExtent.Kind.UNWRITTEN;
            return new MappedExtent(run.lblk() * bs, run.length() * bs, run.pblk() * bs, kind);
        }
    }

    /**
     * {@inheritDoc} Nothing on the device is touched: zeroing the old last block past i_size
     * before an extending write is the kernel's part (its page cache may still hold that block
     * dirty, and completions arrive in any order).
     */
    @Override
    public long ioend(long ino, long pos, long written, boolean extendSize) {
        requireWritable();
        if (pos < 0 || written < 0 || pos > Long.MAX_VALUE - written) {
            throw new Ext4Exception(Errno.EINVAL, "bad completed range " + pos + "+" + written + " of inode " + ino);
        }
        int bs = fs.blockSize();
        try (Transaction tx = transactions().begin()) {
            Inode inode = liveInode(tx, ino);
            if (inode.type() != FileType.REGULAR) {
                throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a regular file");
            }
            long size = inode.size();
            if (written == 0 && (!extendSize || pos <= size)) {
                tx.abort();
                return size;
            }
            if (written > 0 && !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                BlockMapWriter map = BlockMapWriter.of(tx, ino, new BlockAllocator(new GroupAccounting(fs)), false);
                if (map.supportsUnwritten()) {
                    long first = pos / bs;
                    long last = (pos + written - 1) / bs;
                    map.convertUnwritten(first, last - first + 1);
                }
                tx.dataWrittenElsewhere();
            }
            if (extendSize && pos + written > size) {
                size = pos + written;
                InodeStore.write(tx, ino, new InodeEditor(InodeStore.read(tx, ino)).size(size).raw());
            }
            tx.commit();
            return size;
        }
    }

    /**
     * Releases what is still open (an unlinked file with a handle is freed and taken off the
     * orphan list, as the last close would), clears orphan_present when the orphan file is empty,
     * and closes the device.
     */
    @Override
    public void close() throws IOException {
        try {
            if (!fs.isReadOnly()) {
                for (Long ino : List.copyOf(unlinkedOpen)) {
                    freeOrphan(ino);
                }
                // As the kernel's unmount: an orphan file left empty no longer needs reading at the next mount.
                if (fs.superblock().hasCompat(Features.COMPAT_ORPHAN_FILE) && fs.transactions().acceptsHandles()) {
                    try (Transaction tx = transactions().begin()) {
                        orphans.clearPresentIfEmpty(tx);
                        tx.commit();
                    }
                }
            }
            openFiles.clear();
            openCounts.clear();
        } finally {
            fs.close();
        }
    }
}
