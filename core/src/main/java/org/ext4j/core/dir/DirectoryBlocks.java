package org.ext4j.core.dir;

import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.inode.InodeStore;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

// The block map of a directory as a transaction sees it, and its growth by one block at a time.
/**
 * Maps and grows a directory inside a transaction. This stand-in grows only what fits in the
 * inode: a depth-0 extent root (at most 4 extents) or the 12 direct pointers of an ext2/ext3
 * block map; anything bigger fails with ENOSPC until the extent writer takes over.
 */
final class DirectoryBlocks {
    private static final int EH_ENTRIES = 2;
    private static final int EH_MAX = 4;
    private static final int EH_DEPTH = 6;
    private static final int HEADER_SIZE = 12;
    private static final int ENTRY_SIZE = 12;
    private static final int EE_BLOCK = 0;
    private static final int EE_LEN = 4;
    private static final int EE_START_HI = 6;
    private static final int EE_START_LO = 8;
    /** The largest initialized extent (EXT_INIT_MAX_LEN). */
    private static final int EXT_INIT_MAX_LEN = 32768;
    /** Direct block pointers in an ext2/ext3 i_block (EXT4_NDIR_BLOCKS). */
    private static final int NDIR_BLOCKS = 12;

    private final Transaction tx;
    private final long ino;
    /** The map of the inode as last read; dropped when this class changes the inode. */
    private BlockMap cached;

    private DirectoryBlocks(Transaction tx, long ino) {
        this.tx = tx;
        this.ino = ino;
    }

    /** The blocks of directory {@code ino} as {@code tx} sees them. */
    static DirectoryBlocks of(Transaction tx, long ino) {
        return new DirectoryBlocks(tx, ino);
    }

    /** The run at {@code lblk}, as {@link BlockMap#map} answers it, through the transaction's view of the inode. */
    Mapping map(long lblk, long maxLen) {
        if (cached == null) {
            cached = BlockMap.of(tx.fileSystem(), InodeStore.read(tx, ino));
        }
        return cached.map(lblk, maxLen);
    }

    /**
     * Allocates one block for logical block {@code lblk} (the block right after the directory's
     * last one), maps it and counts it in i_blocks.
     *
     * @return the physical block
     */
    long allocate(long lblk) {
        cached = null;
        Ext4FileSystem fs = tx.fileSystem();
        Inode inode = InodeStore.read(tx, ino);
        byte[] raw = inode.raw();
        boolean extents = inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL);
        BlockAllocator allocator = new BlockAllocator(new GroupAccounting(fs));
        long goal = allocator.goalForInode(ino, false);
        int last = -1;
        if (extents) {
            int entries = LittleEndian.u16(raw, Inode.I_BLOCK + EH_ENTRIES);
            if (LittleEndian.u16(raw, Inode.I_BLOCK + EH_DEPTH) != 0
                    || entries >= LittleEndian.u16(raw, Inode.I_BLOCK + EH_MAX) && !extendsLast(raw, entries, lblk)) {
                throw new Ext4Exception(Errno.ENOSPC, "directory inode " + ino + ": the extent root is full");
            }
            last = entries - 1;
            if (last >= 0) {
                int e = Inode.I_BLOCK + HEADER_SIZE + last * ENTRY_SIZE;
                goal = start(raw, e) + LittleEndian.u16(raw, e + EE_LEN);
            }
        } else {
            if (lblk >= NDIR_BLOCKS) {
                throw new Ext4Exception(Errno.ENOSPC, "directory inode " + ino + ": no direct block pointer left");
            }
            if (lblk > 0) {
                goal = LittleEndian.u32(raw, Inode.I_BLOCK + (int) (lblk - 1) * 4) + 1;
            }
        }
        long pblk = allocator.allocate(tx, goal, 1, true).get(0).start();
        if (extents) {
            int e = Inode.I_BLOCK + HEADER_SIZE + last * ENTRY_SIZE;
            if (last >= 0 && LittleEndian.u32(raw, e + EE_BLOCK) + LittleEndian.u16(raw, e + EE_LEN) == lblk
                    && start(raw, e) + LittleEndian.u16(raw, e + EE_LEN) == pblk
                    && LittleEndian.u16(raw, e + EE_LEN) < EXT_INIT_MAX_LEN) {
                LittleEndian.put16(raw, e + EE_LEN, LittleEndian.u16(raw, e + EE_LEN) + 1);
            } else {
                if (LittleEndian.u16(raw, Inode.I_BLOCK + EH_ENTRIES) >= LittleEndian.u16(raw, Inode.I_BLOCK + EH_MAX)) {
                    throw new Ext4Exception(Errno.ENOSPC, "directory inode " + ino + ": the extent root is full");
                }
                int n = Inode.I_BLOCK + HEADER_SIZE + (last + 1) * ENTRY_SIZE;
                LittleEndian.put32(raw, n + EE_BLOCK, lblk);
                LittleEndian.put16(raw, n + EE_LEN, 1);
                LittleEndian.put16(raw, n + EE_START_HI, (int) (pblk >>> 32));
                LittleEndian.put32(raw, n + EE_START_LO, pblk & 0xFFFFFFFFL);
                LittleEndian.put16(raw, Inode.I_BLOCK + EH_ENTRIES, last + 2);
            }
        } else {
            LittleEndian.put32(raw, Inode.I_BLOCK + (int) lblk * 4, pblk);
        }
        long blocks = LittleEndian.u32(raw, Inode.I_BLOCKS_LO) + fs.blockSize() / 512;
        LittleEndian.put32(raw, Inode.I_BLOCKS_LO, blocks);
        InodeStore.write(tx, ino, raw);
        return pblk;
    }

    private static boolean extendsLast(byte[] raw, int entries, long lblk) {
        int e = Inode.I_BLOCK + HEADER_SIZE + (entries - 1) * ENTRY_SIZE;
        return entries > 0 && LittleEndian.u32(raw, e + EE_BLOCK) + LittleEndian.u16(raw, e + EE_LEN) == lblk;
    }

    private static long start(byte[] raw, int e) {
        return LittleEndian.u32(raw, e + EE_START_LO) | (long) LittleEndian.u16(raw, e + EE_START_HI) << 32;
    }
}
