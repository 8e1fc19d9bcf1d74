package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.ext4j.core.alloc.SuperblockEditor;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
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
import org.ext4j.core.tx.Transaction;

/**
 * The POSIX file system over an opened {@link Ext4FileSystem}: the {@link InodeFileSystem} (and,
 * opened read-write, {@link WritableFileSystem} and {@link IomapFileSystem}) that backends and
 * the CLI use. A facade: each call goes to the part that owns its concept, all sharing one
 * {@link MountState}: {@link OpenFiles} (handles and what keeps an unlinked inode alive),
 * {@link LiveInodes} (which numbers name an inode, and the stat view), {@link FileData} (open,
 * read, write, truncate, fallocate), {@link XattrOperations} (xattrs, ACLs, killpriv),
 * {@link AttributeChanges} (setattr, flags), {@link NamespaceOperations} (lookup, listing and
 * name changes) and {@link IomapMapping} (block mapping for the kernel's iomap).
 */
public final class PosixFileSystem implements IomapFileSystem {
    private final MountState mount;
    private final OpenFiles openFiles;
    private final LiveInodes inodes;
    private final FileData fileData;
    private final XattrOperations xattrOps;
    private final AttributeChanges attributeChanges;
    private final NamespaceOperations names;
    private final IomapMapping iomap;

    private PosixFileSystem(Ext4FileSystem fs, Clock clock) {
        this.mount = new MountState(fs, clock);
        this.openFiles = new OpenFiles(mount);
        this.inodes = new LiveInodes(mount, openFiles);
        AccessTimes accessTimes = new AccessTimes(mount, inodes);
        this.xattrOps = new XattrOperations(mount, inodes);
        this.fileData = new FileData(mount, inodes, openFiles, accessTimes, xattrOps);
        this.attributeChanges = new AttributeChanges(mount, inodes, openFiles, fileData, xattrOps);
        this.names = new NamespaceOperations(mount, inodes, openFiles, accessTimes, fileData);
        this.iomap = new IomapMapping(mount, inodes, xattrOps);
        if (!fs.isReadOnly()) {
            OrphanCleanup cleanup = new OrphanCleanup(fs);
            if (cleanup.needed()) {
                cleanup.run(mount.transactions(), mount.namespace());
            }
        }
    }

    /**
     * Opens the image or block device at {@code path}. A read-write open finishes what a crash
     * left on the orphan lists (frees unlinked inodes, completes truncates) as the kernel's
     * mount does; a read-only open leaves them alone.
     */
    public static PosixFileSystem open(Path path, OpenOptions options) throws IOException {
        FileBlockDevice device = FileBlockDevice.open(path, options.readOnly());
        try {
            Ext4FileSystem fs = Ext4FileSystem.open(device, options);
            if (!fs.isReadOnly()) {
                fs.transactions().startCommitTimer(options.commitInterval());
            }
            return new PosixFileSystem(fs, Clock.systemUTC());
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** Wraps an already opened filesystem, processing its orphans when it is writable (see {@link #open}). */
    public static PosixFileSystem of(Ext4FileSystem fs) {
        return new PosixFileSystem(fs, Clock.systemUTC());
    }

    /**
     * Wraps an already opened filesystem with the clock that "now" timestamps come from (tests
     * give a fixed clock so that an in-memory model can predict every ctime).
     */
    public static PosixFileSystem of(Ext4FileSystem fs, Clock clock) {
        return new PosixFileSystem(fs, clock);
    }

    /** The underlying filesystem (superblock, groups, raw inodes) for tools like {@code info}. */
    public Ext4FileSystem fileSystem() {
        return mount.fs;
    }

    // Names and directories.

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        return names.lookup(caller, parent, name);
    }

    @Override
    public long opendir(Caller caller, long ino) {
        return names.opendir(caller, ino);
    }

    /**
     * {@inheritDoc} An indexed directory is listed in hash order with hash cookies, any other in
     * on-disk order with positions plus one as cookies.
     */
    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        return names.readdir(ino, handle, offset, maxEntries);
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        return names.create(caller, parent, name, mode, umask, flags);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        return names.mknod(caller, parent, name, mode, umask, rdevMajor, rdevMinor);
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        return names.mkdir(caller, parent, name, mode, umask);
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        return names.symlink(caller, parent, name, target);
    }

    /** {@inheritDoc} Linking an O_TMPFILE inode (opened without O_EXCL) gives it its first name. */
    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        return names.link(caller, ino, newParent, newName);
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        names.unlink(caller, parent, name);
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        names.rmdir(caller, parent, name);
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        names.rename(caller, parent, name, newParent, newName, flags);
    }

    /** {@inheritDoc} The new inode is on the orphan list until it is linked or released. */
    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        return names.tmpfile(caller, parent, mode, umask, flags);
    }

    // Inodes and their attributes.

    @Override
    public Attributes getattr(long ino) {
        return inodes.getattr(ino);
    }

    /**
     * {@inheritDoc} The reserved inodes below s_first_ino (the journal, resize, bad blocks) are
     * never reached this way, as in the kernel's ext4_nfs_get_inode.
     */
    @Override
    public Attributes getattrByHandle(long ino) {
        if (ino != ROOT_INO && ino < mount.fs.superblock().firstIno()) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + ino + " is reserved and named by no file handle");
        }
        return getattr(ino);
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        Inode inode = inodes.liveInode(ino);
        if ((mask & Permissions.W_OK) != 0 && mount.fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + mount.fs.readOnlyReason() + ")");
        }
        Permissions.check(caller, inode, mount.xattrs, mask);
    }

    /**
     * {@inheritDoc} Mode, owner and times are changed in one transaction, and with them what
     * the kernel changes beside: chmod rewrites a POSIX access ACL to match the new mode, chown
     * of anything but a directory drops security.capability. A size change is a truncate.
     */
    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        return attributeChanges.setattr(caller, ino, handle, changes);
    }

    @Override
    public int getflags(long ino) {
        return attributeChanges.getflags(ino);
    }

    /** {@inheritDoc} A change of EXTENTS_FL converts the block map, after the other flags have changed. */
    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        return attributeChanges.setflags(caller, ino, flags);
    }

    @Override
    public void onPrivilegesDropped(LongConsumer listener) {
        mount.onPrivilegesDropped(listener);
    }

    // Extended attributes and ACLs.

    /**
     * {@inheritDoc} POSIX ACLs come back in the VFS xattr form (version 2) that getxattr(2)
     * returns, not ext4's compact on-disk form.
     */
    @Override
    public byte[] getxattr(long ino, String name) {
        return xattrOps.get(ino, name);
    }

    @Override
    public List<String> listxattr(long ino) {
        return xattrOps.list(ino);
    }

    /**
     * {@inheritDoc} Setting an access ACL rewrites the mode's rwx bits from it and, when the
     * caller is neither in the file's group nor root, clears setgid (posix_acl_update_mode).
     */
    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        xattrOps.set(caller, ino, name, value, flags);
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        xattrOps.remove(caller, ino, name);
    }

    // Open files and their data.

    @Override
    public long open(Caller caller, long ino, int flags) {
        return fileData.open(caller, ino, flags);
    }

    @Override
    public byte[] readlink(long ino) {
        return fileData.readlink(ino);
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        return fileData.read(ino, handle, offset, dst, dstOff, len);
    }

    /**
     * {@inheritDoc} Inline files stay inline while they fit and move to blocks when they stop
     * fitting; a write by a caller without CAP_FSETID (not root) clears setuid, and setgid when
     * group-execute is set, as the kernel's file_remove_privs does.
     */
    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        return fileData.write(caller, ino, handle, offset, src, srcOff, len);
    }

    /**
     * {@inheritDoc} Default and KEEP_SIZE preallocate unwritten extents; PUNCH_HOLE (with
     * KEEP_SIZE) frees blocks; ZERO_RANGE zeroes; COLLAPSE_RANGE removes a block-aligned range
     * and INSERT_RANGE opens a hole, moving what follows, with the kernel's checks in its order.
     */
    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        fileData.fallocate(caller, ino, handle, mode, offset, length);
    }

    /** {@inheritDoc} The handle must name an open file of {@code ino}. */
    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        openFiles.get(ino, handle);
        return SeekDataHole.seek(this, ino, offset, whence);
    }

    /** {@inheritDoc} Releasing the last handle of an inode whose last link is gone frees it. */
    @Override
    public void release(long ino, long handle) {
        openFiles.release(handle);
    }

    /**
     * {@inheritDoc} Counted with the open handles: an inode the kernel still knows goes on the
     * orphan list when its last link goes (as the kernel's ext4 does while anything holds the
     * inode) and is freed at the last forget or release.
     */
    @Override
    public void retain(long ino) {
        openFiles.retain(ino);
    }

    @Override
    public void forget(long ino) {
        openFiles.forget(ino);
    }

    /**
     * {@inheritDoc} The inodes whose last reference this drops and whose last link is gone are
     * taken off the orphan list and freed in one transaction: a FUSE server that collects the
     * kernel's FORGETs (rm -rf sends one per file) pays for one commit, and copies each bitmap
     * and inode table block once, per batch instead of per inode.
     */
    @Override
    public void forgetAll(long[] inos) {
        openFiles.forgetAll(inos);
    }

    /**
     * {@inheritDoc} Writes the whole running transaction (the file's data and metadata are in it
     * or in an earlier, already written one) and returns when it is durable.
     */
    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        openFiles.get(ino, handle);
        syncfs();
    }

    @Override
    public void syncfs() {
        if (!mount.fs.isReadOnly()) {
            mount.fs.transactions().sync();
        }
    }

    // Block mapping for the kernel's iomap.

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        return iomap.mapBlocks(ino, offset, length);
    }

    /**
     * {@inheritDoc} Holes become unwritten extents for buffered writes too, as the kernel's ext4
     * does by default (dioread_nolock): the allocation is reported at write(2) time, where a full
     * disk must fail, and the data shows only once the kernel says it is on the device.
     */
    @Override
    public MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite) {
        return iomap.mapForWrite(caller, ino, pos, count, fileWrite);
    }

    /**
     * {@inheritDoc} Nothing on the device is touched: zeroing the old last block past i_size
     * before an extending write is the kernel's part (its page cache may still hold that block
     * dirty, and completions arrive in any order).
     */
    @Override
    public long ioend(long ino, long pos, long written, boolean extendSize) {
        return iomap.ioend(ino, pos, written, extendSize);
    }

    // The file system as a whole.

    @Override
    public StatFs statfs() {
        // The free counts as the last transaction left them (the kernel's per-cpu counters): the
        // Superblock record holds those of the mount.
        Superblock sb = mount.fs.superblock();
        SuperblockEditor counts = new SuperblockEditor(sb);
        long free = counts.freeBlocksCount(mount.fs.blockCache());
        long reserved = sb.reservedBlocksCount();
        return new StatFs(mount.fs.blockSize(), sb.blocksCount() - overhead(), free, Math.max(0, free - reserved),
                sb.inodesCount(), counts.freeInodesCount(mount.fs.blockCache()), 255, sb.uuid());
    }

    /**
     * Blocks taken by filesystem metadata (superblock and descriptor copies, bitmaps, inode
     * tables, the journal), which statfs leaves out of the total as the kernel does. Computed
     * from the geometry alone, so it costs no reads.
     */
    private long overhead() {
        Superblock sb = mount.fs.superblock();
        long stored = LittleEndian.u32(sb.raw(), 0x248);
        if (stored != 0) {
            return stored;
        }
        long groups = sb.groupCount();
        long gdtBlocks = (groups + sb.descsPerBlock() - 1) / sb.descsPerBlock();
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + mount.fs.blockSize() - 1) / mount.fs.blockSize();
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
            Inode journal = mount.fs.inode(sb.journalInum());
            total += journal.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), mount.fs.blockSize()) / (mount.fs.blockSize() / 512);
        }
        return Math.min(total, sb.blocksCount());
    }

    /** The kernel's EXT4_LINK_MAX. */
    private static final int EXT4_LINK_MAX = 65000;
    /** The times an inode without the extra fields (128-byte inodes) holds: signed 32-bit seconds. */
    private static final long NON_EXTRA_TIMESTAMP_MAX = Integer.MAX_VALUE;
    /** With the extra fields two more epoch bits extend the signed 32-bit seconds. */
    private static final long EXTRA_TIMESTAMP_MAX = (1L << 34) - 1 + Integer.MIN_VALUE;

    @Override
    public Limits limits() {
        Superblock sb = mount.fs.superblock();
        boolean extra = sb.inodeSize() > Superblock.GOOD_OLD_INODE_SIZE;
        return new Limits(mount.fs.blockSize(), FileContentWriter.maxFileSize(sb, true), EXT4_LINK_MAX, extra ? 1 : 1_000_000_000,
                Integer.MIN_VALUE, extra ? EXTRA_TIMESTAMP_MAX : NON_EXTRA_TIMESTAMP_MAX, sb.uuid());
    }

    @Override
    public Optional<Path> devicePath() {
        return mount.fs.device() instanceof FileBlockDevice file ? Optional.of(file.path()) : Optional.empty();
    }

    @Override
    public boolean isReadOnly() {
        return mount.fs.isReadOnly();
    }

    @Override
    public String readOnlyReason() {
        return mount.fs.readOnlyReason();
    }

    /** {@inheritDoc} See {@link Ext4FileSystem#remount}. */
    @Override
    public void remount(boolean readOnly) {
        mount.fs.remount(readOnly);
    }

    /**
     * Releases what is still open (an unlinked file with a handle is freed and taken off the
     * orphan list, as the last close would), clears orphan_present when the orphan file is empty,
     * and closes the device.
     */
    @Override
    public void close() throws IOException {
        try {
            if (!mount.fs.isReadOnly()) {
                openFiles.freeUnlinked();
                // As the kernel's unmount: an orphan file left empty no longer needs reading at the next mount.
                if (mount.fs.superblock().hasCompat(Features.COMPAT_ORPHAN_FILE) && mount.fs.transactions().acceptsHandles()) {
                    try (Transaction tx = mount.transactions().begin()) {
                        mount.orphans.clearPresentIfEmpty(tx);
                        tx.commit();
                    }
                }
            }
            openFiles.clear();
        } finally {
            mount.fs.close();
        }
    }
}
