package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;

/**
 * The {@link InodeFileSystem} over an {@link Ext4FileSystem}: what backends and the CLI use.
 */
public final class Ext4Volume implements InodeFileSystem {
    private final Ext4FileSystem fs;

    private Ext4Volume(Ext4FileSystem fs) {
        this.fs = fs;
    }

    /** Opens the image or block device at {@code path}. */
    public static Ext4Volume open(Path path, OpenOptions options) throws IOException {
        FileBlockDevice device = FileBlockDevice.open(path, options.readOnly());
        try {
            return new Ext4Volume(Ext4FileSystem.open(device, options));
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** Wraps an already opened filesystem. */
    public static Ext4Volume of(Ext4FileSystem fs) {
        return new Ext4Volume(fs);
    }

    /** The underlying filesystem (superblock, groups, raw inodes) for tools like {@code info}. */
    public Ext4FileSystem fileSystem() {
        return fs;
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        throw notYet();
    }

    @Override
    public Attributes getattr(long ino) {
        return attributes(liveInode(ino));
    }

    /** Reads inode {@code ino} and checks that it is in use (a name or handle may point at it). */
    Inode liveInode(long ino) {
        if (ino < 1 || ino > fs.superblock().inodesCount()) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + ino + " does not exist");
        }
        Inode inode = fs.inode(ino);
        if (inode.linksCount() == 0 && ino != InodeFileSystem.ROOT_INO || inode.type() == FileType.UNKNOWN) {
            throw new CorruptionException("inode " + ino + " is referenced but not in use (links "
                    + inode.linksCount() + ", mode 0" + Integer.toOctalString(inode.mode()) + ")");
        }
        CorruptionException.check(inode.size() >= 0, "inode " + ino + ": negative i_size");
        return inode;
    }

    /** The stat view of an inode. */
    Attributes attributes(Inode inode) {
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
        throw notYet();
    }

    @Override
    public long opendir(Caller caller, long ino) {
        throw notYet();
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        throw notYet();
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        throw notYet();
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        throw notYet();
    }

    @Override
    public void release(long ino, long handle) {
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        Inode inode = liveInode(ino);
        if ((mask & Permissions.W_OK) != 0 && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        Permissions.check(caller, inode.mode(), inode.uid(), inode.gid(), mask, ino);
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

    @Override
    public byte[] getxattr(long ino, String name) {
        throw notYet();
    }

    @Override
    public List<String> listxattr(long ino) {
        throw notYet();
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        throw notYet();
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public String readOnlyReason() {
        return fs.readOnlyReason();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    private static Ext4Exception notYet() {
        return new Ext4Exception(Errno.ENOSYS, "not implemented yet");
    }
}
