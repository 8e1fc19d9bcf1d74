package org.ext4j.core.fs;

import org.ext4j.core.dir.DirEntry;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;

/**
 * The inodes a caller or a directory entry may name, and their stat view. A number from the
 * caller that names nothing any more is stale (ESTALE); a number found inside the filesystem that
 * names nothing is corruption.
 */
final class LiveInodes {
    private final MountState mount;
    private final OpenFiles openFiles;

    LiveInodes(MountState mount, OpenFiles openFiles) {
        this.mount = mount;
        this.openFiles = openFiles;
    }

    /**
     * Reads inode {@code ino}, named by the caller (a FUSE node id or handle), and checks that it
     * is in use. One that is not was freed after the caller learnt its number: ESTALE, as the
     * kernel answers for a stale handle, not corruption.
     */
    Inode liveInode(long ino) {
        requireExists(ino);
        Inode inode = mount.fs.inode(ino);
        requireInUse(inode);
        if (!(inode.size() >= 0)) {
            throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK,
                    "inode " + ino + ": negative i_size");
        }
        return inode;
    }

    /** The inode as {@code tx} sees it, checked to be in use like {@link #liveInode(long)}. */
    Inode liveInode(Transaction tx, long ino) {
        requireExists(ino);
        Inode inode = InodeStore.read(tx, ino);
        requireInUse(inode);
        return inode;
    }

    /**
     * The inode a directory entry of {@code parent} names. Unlike a number from the caller, a
     * number found inside the filesystem must be valid: a free or out-of-range inode is a
     * dangling entry, which is corruption.
     */
    Inode entryTarget(long parent, DirEntry entry) {
        long ino = entry.ino();
        if (ino < 1 || ino > mount.fs.superblock().inodesCount()) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, parent, CorruptionException.NO_BLOCK, "directory inode " + parent + ": entry " + entry.nameString()
                    + " points to inode " + ino + ", outside the inode table");
        }
        Inode inode = mount.fs.inode(ino);
        if (!inUse(inode)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, parent, CorruptionException.NO_BLOCK, "directory inode " + parent + ": entry " + entry.nameString()
                    + " points to inode " + ino + ", which is not in use (links " + inode.linksCount()
                    + ", mode 0" + Integer.toOctalString(inode.mode()) + ")");
        }
        if (!(inode.size() >= 0)) {
            throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK,
                    "inode " + ino + ": negative i_size");
        }
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
            BlockMap.of(mount.fs, inode);
        }
    }

    /** ESTALE for an inode number past the inode table (the caller's number cannot name an inode). */
    private void requireExists(long ino) {
        if (ino < 1 || ino > mount.fs.superblock().inodesCount()) {
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
    boolean inUse(Inode inode) {
        if (inode.type() == FileType.UNKNOWN) {
            return false;
        }
        return inode.linksCount() > 0 || inode.ino() == InodeFileSystem.ROOT_INO || openFiles.isUnlinkedOpen(inode.ino());
    }

    /** The stat view of inode {@code ino}, named by the caller. */
    Attributes getattr(long ino) {
        return attributes(liveInode(ino));
    }

    /** The stat view of an inode (which counts as reading its times: see {@link WriteTimes}). */
    Attributes attributes(Inode inode) {
        mount.writeTimes.queried(inode.ino());
        Superblock sb = mount.fs.superblock();
        long nlink = inode.linksCount();
        if (inode.isDirectory() && nlink == 1 && sb.hasRoCompat(Features.RO_COMPAT_DIR_NLINK)) {
            nlink = 1; // dir_nlink: the count overflowed past 65000 and is no longer maintained
        }
        FileType type = inode.type();
        boolean device = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
        int bs = mount.fs.blockSize();
        // A removed directory still referenced reads as empty: ext4_rmdir zeroes i_size in memory
        // (not on disk, where recovery frees the blocks of an inode without links anyway).
        long size = type == FileType.DIRECTORY && inode.linksCount() == 0 ? 0 : inode.size();
        return new Attributes(inode.ino(), type, inode.mode(), nlink, inode.uid(), inode.gid(), size,
                inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), bs), bs,
                inode.atime(), inode.mtime(), inode.ctime(), inode.crtime(),
                device ? inode.deviceMajor() : 0, device ? inode.deviceMinor() : 0, inode.generation(), inode.flags());
    }

    /** A fast symlink keeps its target in i_block: no blocks are charged to it and it is not inline. */
    boolean isFastSymlink(Inode inode) {
        if (inode.type() != FileType.SYMLINK || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            return false;
        }
        int bs = mount.fs.blockSize();
        long eaBlocks = inode.fileAcl() != 0 ? bs / 512 : 0;
        return inode.blocks512(mount.fs.superblock().hasRoCompat(Features.RO_COMPAT_HUGE_FILE), bs) - eaBlocks == 0
                && inode.size() < Inode.I_BLOCK_SIZE;
    }
}
