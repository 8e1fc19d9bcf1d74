package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.EE_BLOCK;
import static org.ext4j.core.extent.ExtentTree.EE_LEN;
import static org.ext4j.core.extent.ExtentTree.EE_START_HI;
import static org.ext4j.core.extent.ExtentTree.EE_START_LO;
import static org.ext4j.core.extent.ExtentTree.EH_ENTRIES;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;
import static org.ext4j.core.extent.IndirectBlockMap.EXT2_IND_BLOCK;
import static org.ext4j.core.extent.IndirectBlockMap.EXT2_NDIR_BLOCKS;
import static org.ext4j.core.extent.IndirectBlockMap.POINTER_SIZE;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Turns an inode's extent tree into an indirect block map and back, as FS_IOC_SETFLAGS does when
 * EXTENTS_FL changes (the kernel's ext4_ind_migrate and ext4_ext_migrate). The data blocks stay
 * where they are; i_block changes, and so do the extent or indirect blocks around the data.
 * Each call changes the inode in {@code tx} or throws before changing anything the caller must
 * keep (on ENOSPC or corruption the transaction must be aborted).
 */
public final class BlockMapMigration {
    /** The kernel's EXT4_MAX_BLOCK_FILE_PHYS: an indirect map holds 32-bit block numbers. */
    private static final long MAX_INDIRECT_PBLK = 0xFFFF_FFFFL;
    /** Levels of indirect blocks under i_block[12], [13], [14]. */
    private static final int MAX_LEVELS = 3;

    private BlockMapMigration() {
    }

    /**
     * ext4_ind_migrate: the kernel moves only what fits i_block's twelve direct pointers, a tree
     * of depth 0 holding at most one written extent that ends below logical block 12 (an empty
     * tree included). Everything else is EOPNOTSUPP, and so is bigalloc and a filesystem whose
     * blocks do not all have 32-bit numbers.
     *
     * @throws Ext4Exception EINVAL when the inode has no extent tree or the filesystem no
     *                       extents feature; EOPNOTSUPP as above
     * @throws CorruptionException when the tree's root is invalid
     */
    public static void toIndirect(Transaction tx, long ino) {
        DiskView fs = tx.fileSystem();
        Superblock sb = fs.superblock();
        Inode inode = InodeStore.read(tx, ino);
        if (!sb.hasIncompat(Features.INCOMPAT_EXTENTS) || !inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " has no extent tree to turn into block pointers");
        }
        if (sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "bigalloc files keep their extents");
        }
        ExtentTree tree = new ExtentTree(fs, inode);
        byte[] root = inode.iBlock();
        int entries = LittleEndian.u16(root, EH_ENTRIES);
        if (sb.blocksCount() > MAX_INDIRECT_PBLK || tree.depth() != 0 || entries > 1) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + ": only a tree of one extent in i_block"
                    + " on a filesystem of 32-bit block numbers becomes block pointers (depth " + tree.depth()
                    + ", " + entries + " extents)");
        }
        byte[] pointers = new byte[BlockMap.I_BLOCK_SIZE];
        if (entries == 1) {
            long start = LittleEndian.u32(root, HEADER_SIZE + EE_BLOCK);
            // The raw ee_len: an unwritten extent counts 32768 more and so never fits, as in the kernel.
            long rawLength = LittleEndian.u16(root, HEADER_SIZE + EE_LEN);
            long pblk = (long) LittleEndian.u16(root, HEADER_SIZE + EE_START_HI) << 32 | LittleEndian.u32(root, HEADER_SIZE + EE_START_LO);
            if (start + rawLength - 1 >= EXT2_NDIR_BLOCKS) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + ": the extent at logical block " + start
                        + " (ee_len " + rawLength + ") reaches past the twelve direct block pointers");
            }
            for (long lblk = start; lblk < start + rawLength; lblk++) {
                LittleEndian.put32(pointers, (int) lblk * POINTER_SIZE, pblk + (lblk - start));
            }
        }
        byte[] raw = inode.raw();
        System.arraycopy(pointers, 0, raw, Inode.I_BLOCK, pointers.length);
        LittleEndian.put32(raw, Inode.I_FLAGS, inode.flags() & ~InodeFlags.EXT4_EXTENTS_FL & 0xFFFF_FFFFL);
        InodeStore.write(tx, ino, raw);
    }

    /**
     * ext4_ext_migrate: maps every run of the indirect map (pointers past i_size included) as
     * extents, allocating tree blocks with {@code allocator} when more than four extents are
     * needed, then frees the indirect blocks.
     *
     * @throws Ext4Exception EINVAL when the filesystem has no extents feature, the inode already
     *                       has EXTENTS_FL or keeps its data inline; ENOSPC when a tree block
     *                       cannot be had
     * @throws CorruptionException when a block pointer lies outside the filesystem
     */
    public static void toExtents(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved) {
        DiskView fs = tx.fileSystem();
        Inode inode = InodeStore.read(tx, ino);
        if (!fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS)) {
            throw new Ext4Exception(Errno.EINVAL, "the filesystem has no extents feature");
        }
        if (inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL) || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " has no block pointers to turn into extents");
        }
        IndirectWalk walk = new IndirectWalk(tx, ino, inode.iBlock());
        walk.run();

        byte[] raw = inode.raw();
        ExtentTree.putEmptyRoot(raw, Inode.I_BLOCK);
        LittleEndian.put32(raw, Inode.I_FLAGS, (inode.flags() | InodeFlags.EXT4_EXTENTS_FL) & 0xFFFF_FFFFL);
        InodeStore.write(tx, ino, raw);
        ExtentTreeWriter tree = new ExtentTreeWriter(tx, ino, allocator, mayUseReserved);
        for (Mapping run : walk.runs) {
            tree.mapOwned(run);
        }
        // As the kernel does, the indirect blocks go only once the tree holds every run.
        for (long pblk : walk.indirectBlocks) {
            allocator.free(tx, pblk, 1);
        }
        byte[] after = InodeStore.read(tx, ino).raw();
        InodeBlockCount.add(after, ino, InodeBlockCount.hugeFile(fs.superblock()), fs.blockSize(), -walk.indirectBlocks.size());
        InodeStore.write(tx, ino, after);
    }

    /** Every data pointer of an indirect map as runs of consecutive blocks, and every indirect block. */
    private static final class IndirectWalk {
        final Transaction tx;
        final long ino;
        final byte[] iBlock;
        final long perBlock;
        final long firstDataBlock;
        final long blocksCount;
        final List<Mapping> runs = new ArrayList<>();
        final List<Long> indirectBlocks = new ArrayList<>();
        long runLblk = -1;
        long runPblk;
        long runLength;

        IndirectWalk(Transaction tx, long ino, byte[] iBlock) {
            this.tx = tx;
            this.ino = ino;
            this.iBlock = iBlock;
            DiskView fs = tx.fileSystem();
            this.perBlock = fs.blockSize() / POINTER_SIZE;
            this.firstDataBlock = fs.superblock().firstDataBlock();
            this.blocksCount = fs.blocksCount();
        }

        void run() {
            for (int k = 0; k < EXT2_NDIR_BLOCKS; k++) {
                data(k, LittleEndian.u32(iBlock, k * POINTER_SIZE));
            }
            long base = EXT2_NDIR_BLOCKS;
            long span = perBlock;
            for (int level = 1; level <= MAX_LEVELS; level++) {
                long ptr = LittleEndian.u32(iBlock, (EXT2_IND_BLOCK + level - 1) * POINTER_SIZE);
                if (ptr != 0) {
                    indirect(ptr, level, base);
                }
                base += span;
                span *= perBlock;
            }
            flush();
        }

        /** The indirect block {@code pblk} at {@code level} (1: it holds data pointers) covering logical blocks from {@code base}. */
        void indirect(long pblk, int level, long base) {
            check(pblk, "an indirect block");
            indirectBlocks.add(pblk);
            byte[] b = tx.read(pblk);
            long childSpan = 1;
            for (int l = 1; l < level; l++) {
                childSpan *= perBlock;
            }
            for (int i = 0; i < perBlock; i++) {
                long ptr = LittleEndian.u32(b, i * POINTER_SIZE);
                if (ptr == 0) {
                    continue;
                }
                if (level == 1) {
                    data(base + i, ptr);
                } else {
                    indirect(ptr, level - 1, base + i * childSpan);
                }
            }
        }

        void data(long lblk, long pblk) {
            if (pblk == 0) {
                return;
            }
            check(pblk, "logical block " + lblk);
            if (runLblk >= 0 && runLblk + runLength == lblk && runPblk + runLength == pblk) {
                runLength++;
                return;
            }
            flush();
            runLblk = lblk;
            runPblk = pblk;
            runLength = 1;
        }

        void flush() {
            if (runLblk >= 0) {
                runs.add(new Mapping(runLblk, runPblk, runLength, Mapping.Kind.MAPPED));
                runLblk = -1;
            }
        }

        void check(long pblk, String what) {
            if (pblk < firstDataBlock || pblk >= blocksCount) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_MAP, ino, pblk, "block map of inode " + ino + ": " + what + " points to block " + pblk
                        + " outside the filesystem (" + blocksCount + " blocks)");
            }
        }
    }
}
