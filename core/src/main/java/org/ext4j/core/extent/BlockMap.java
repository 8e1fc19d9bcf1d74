package org.ext4j.core.extent;

import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Maps a file's logical blocks to physical blocks: the one question the read path asks of an
 * inode's i_block, whether it holds an extent tree or an ext2/ext3 indirect block map.
 * Implementations are safe for concurrent use.
 */
public interface BlockMap {

    /**
     * Logical block numbers are 32-bit on disk (ee_block, and the ext2 map never reaches further),
     * so nothing at or past this block can be mapped.
     */
    long LBLK_LIMIT = 1L << 32;

    /** Size of i_block in bytes: the extent tree root, the 15 block pointers, or a fast symlink. */
    int I_BLOCK_SIZE = 60;

    /**
     * The block map of {@code inode}: an {@link ExtentTree} when it has EXT4_EXTENTS_FL, otherwise
     * an {@link IndirectBlockMap}.
     *
     * @throws Ext4Exception EINVAL when the inode has no block map: inline data
     *                       (EXT4_INLINE_DATA_FL, the bytes live in i_block and the system.data
     *                       xattr), a fast symlink (the target lives in i_block), or a device,
     *                       FIFO or socket inode (i_block holds a device number or nothing)
     * @throws org.ext4j.core.spi.CorruptionException when the extent tree root is invalid
     */
    static BlockMap of(DiskView fs, Inode inode) {
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + inode.ino() + " keeps its data inline and has no block map");
        }
        FileType type = inode.type();
        if (type != FileType.REGULAR && type != FileType.DIRECTORY && type != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + inode.ino() + " is a " + type + " and has no block map");
        }
        // e2fsprogs' rule (the kernel's for EA inodes): a symlink shorter than i_block's 60 bytes
        // keeps its target there, whatever i_blocks says about an xattr block.
        if (type == FileType.SYMLINK && inode.size() > 0 && inode.size() < I_BLOCK_SIZE) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + inode.ino() + " is a fast symlink: its target is in i_block, it has no blocks");
        }
        if (inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            return new ExtentTree(fs, inode);
        }
        return new IndirectBlockMap(fs, inode);
    }

    /**
     * The run that starts at {@code lblk}: a MAPPED or UNWRITTEN run of physically consecutive
     * blocks, or a HOLE reaching up to the next mapped block. The run never extends past
     * {@code lblk + maxLen}; a hole with no mapped block after it is {@code maxLen} long.
     *
     * @param lblk   logical block to look up, {@code >= 0}
     * @param maxLen the most blocks the caller wants described, {@code >= 1}
     * @throws org.ext4j.core.spi.CorruptionException when a block on the way is invalid
     */
    Mapping map(long lblk, long maxLen);
}
