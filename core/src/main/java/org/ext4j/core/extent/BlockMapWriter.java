package org.ext4j.core.extent;

import java.util.List;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.disk.Features;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Changes which physical blocks hold a file's logical blocks, inside a transaction: the write
 * side of {@link BlockMap}. Every call reads the inode afresh through the transaction and writes
 * it back (i_block, i_blocks) before returning, so calls from several writers on one inode
 * compose. When a call throws, the transaction may hold a partial change and must be aborted.
 *
 * <p>A block freed here goes back to the allocator at once, and the allocator may hand it out
 * again in the same transaction. A freed extent or indirect block reallocated as file data is
 * still held by the transaction as metadata, and {@link Transaction#writeData} refuses it:
 * {@link FileContentWriter} writes such blocks through their working copy instead; other callers
 * writing data must do the same.
 */
public interface BlockMapWriter {

    /**
     * The writer for inode {@code ino}: an extent-tree writer when it has EXT4_EXTENTS_FL, an
     * indirect-map writer otherwise (ext2/ext3 files, files on a filesystem without extents).
     * Allocations leave the reserved blocks alone (see {@link #of(Transaction, long, boolean)}).
     *
     * @throws Ext4Exception EINVAL for an inode without a block map (inline data, fast symlink, device)
     */
    static BlockMapWriter of(Transaction tx, long ino) {
        return of(tx, ino, false);
    }

    /**
     * As {@link #of(Transaction, long)}; {@code mayUseReserved} lets allocations take the
     * s_r_blocks_count blocks kept for root.
     */
    static BlockMapWriter of(Transaction tx, long ino, boolean mayUseReserved) {
        return of(tx, ino, new BlockAllocator(new GroupAccounting(tx.fileSystem())), mayUseReserved);
    }

    /** As {@link #of(Transaction, long, boolean)} with a caller-supplied (shared) allocator. */
    static BlockMapWriter of(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved) {
        Inode inode = InodeStore.read(tx, ino);
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " keeps its data inline and has no block map");
        }
        FileType type = inode.type();
        if (type != FileType.REGULAR && type != FileType.DIRECTORY && type != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is a " + type + " and has no block map");
        }
        if (type == FileType.SYMLINK && inode.size() > 0 && inode.size() < BlockMap.I_BLOCK_SIZE) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is a fast symlink: its target is in i_block");
        }
        if (inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            return new ExtentTreeWriter(tx, ino, allocator, mayUseReserved);
        }
        return new IndirectBlockMapWriter(tx, ino, allocator, mayUseReserved);
    }

    /**
     * True when a new inode on this filesystem should get EXT4_EXTENTS_FL and an empty extent
     * header (the extent feature is on); otherwise it gets an indirect map (i_block zeroed).
     */
    static boolean extentsForNewFiles(Transaction tx) {
        return tx.fileSystem().superblock().hasIncompat(Features.INCOMPAT_EXTENTS);
    }

    /**
     * Maps the holes in [{@code lblk}, {@code lblk + count}) to newly allocated blocks (one
     * allocator call per hole, searching from the block after the preceding mapped block, else
     * from the inode's group); parts already mapped stay as they are. Newly allocated blocks
     * hold whatever was on the disk: the caller writes them, or asks for {@code unwritten}.
     *
     * @param unwritten map the new blocks as unwritten extents (read as zeros until written)
     * @return the mappings covering the whole range in logical order (existing and new runs)
     * @throws Ext4Exception ENOSPC when the space runs out, EFBIG past the last addressable
     *                       block, EOPNOTSUPP for unwritten blocks in an indirect map
     */
    List<Mapping> allocate(long lblk, long count, boolean unwritten);

    /**
     * Unmaps the blocks in [{@code fromLblk}, {@code toLblkExclusive}) and frees them, with any
     * extent or indirect block left empty; extents straddling the edges are cut. A tree that
     * becomes small enough moves back into i_block (an empty tree has depth 0).
     */
    void free(long fromLblk, long toLblkExclusive);

    /** Marks the unwritten blocks in [{@code lblk}, {@code lblk + count}) written (the caller wrote them). */
    void convertUnwritten(long lblk, long count);

    /**
     * Marks the written blocks in [{@code lblk}, {@code lblk + count}) unwritten, keeping their
     * allocation: they read as zeros from now on (FALLOC_FL_ZERO_RANGE on whole blocks).
     *
     * @throws Ext4Exception EOPNOTSUPP for an indirect map
     */
    default void convertToUnwritten(long lblk, long count) {
        throw new Ext4Exception(Errno.EOPNOTSUPP, "an indirect block map has no unwritten blocks");
    }

    /**
     * FALLOC_FL_COLLAPSE_RANGE on blocks: frees [{@code lblk}, {@code lblk + count}) (cutting
     * extents over its edges) and moves every later mapping down by {@code count}, unwritten
     * ones staying unwritten. i_size is the caller's.
     *
     * @throws Ext4Exception EOPNOTSUPP for an indirect map, ENOSPC when a cut needs a tree block
     */
    default void collapseRange(long lblk, long count) {
        throw new Ext4Exception(Errno.EOPNOTSUPP, "an indirect block map cannot collapse a range");
    }

    /**
     * FALLOC_FL_INSERT_RANGE on blocks: moves every mapping at or after {@code lblk} up by
     * {@code count} (an extent over {@code lblk} is cut there), leaving a hole of {@code count}
     * blocks at {@code lblk}. i_size is the caller's.
     *
     * @throws Ext4Exception EOPNOTSUPP for an indirect map, EINVAL when an extent would move past
     *                       the last logical block, ENOSPC when the cut needs a tree block
     */
    default void insertRange(long lblk, long count) {
        throw new Ext4Exception(Errno.EOPNOTSUPP, "an indirect block map cannot insert a range");
    }

    /** The run starting at {@code lblk} as the transaction sees it (see {@link BlockMap#map}). */
    Mapping map(long lblk, long maxLen);

    /**
     * The first logical block this map cannot address: 2^32 - 1 for extents (EXT_MAX_BLOCKS),
     * the end of the triple-indirect range for indirect maps.
     */
    long addressableBlocks();

    /** True for an extent tree: unwritten extents exist only there. */
    boolean supportsUnwritten();
}
