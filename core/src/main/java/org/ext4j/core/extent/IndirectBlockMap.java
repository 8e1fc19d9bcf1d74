package org.ext4j.core.extent;

import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;

/**
 * The ext2/ext3 block map of an inode, read-only: i_block[0..11] point to data blocks,
 * i_block[12], [13] and [14] to single, double and triple indirect blocks of 32-bit pointers.
 * A zero pointer is a hole (a zero indirect pointer, a hole as large as its whole subtree).
 * The last indirect block read at each level is kept, so a sequential walk reads each once.
 */
public final class IndirectBlockMap implements BlockMap {
    /** Direct pointers in i_block. */
    static final int EXT2_NDIR_BLOCKS = 12;
    static final int EXT2_IND_BLOCK = 12;
    static final int EXT2_DIND_BLOCK = 13;
    static final int EXT2_TIND_BLOCK = 14;
    static final int EXT2_N_BLOCKS = 15;
    static final int POINTER_SIZE = 4;

    private final DiskView fs;
    private final long ino;
    /** The blocks this inode may not map; every pointer is checked against it. */
    private final SystemZone zone;
    private final long[] iBlock = new long[EXT2_N_BLOCKS];
    /** Pointers per indirect block (blockSize / 4). */
    private final long perBlock;
    /** Logical blocks below which each i_block slot 12, 13, 14 starts: 12, 12+P, 12+P+P^2; then the end. */
    private final long[] levelStart = new long[4];
    /**
     * The last indirect block read, by its distance from the data (0: holds data pointers,
     * 1: points to such blocks, 2: the triple block). Entries are immutable and replaced whole.
     */
    private final IndirectBlock[] lastRead = new IndirectBlock[3];

    /** Reads the 15 pointers of {@code inode}'s i_block; indirect blocks are read on demand. */
    public IndirectBlockMap(DiskView fs, Inode inode) {
        this.fs = fs;
        this.ino = inode.ino();
        this.zone = fs.systemZone();
        byte[] raw = inode.iBlock();
        // Every pointer in i_block is checked up front, as the kernel's ext4_ind_check_inode does at iget.
        for (int k = 0; k < EXT2_N_BLOCKS; k++) {
            iBlock[k] = LittleEndian.u32(raw, k * POINTER_SIZE);
            if (iBlock[k] != 0) {
                checkPointer(iBlock[k], 0, k, k < EXT2_NDIR_BLOCKS ? "block" : "indirect block");
            }
        }
        this.perBlock = fs.blockSize() / POINTER_SIZE;
        levelStart[0] = EXT2_NDIR_BLOCKS;
        levelStart[1] = levelStart[0] + perBlock;
        levelStart[2] = levelStart[1] + perBlock * perBlock;
        levelStart[3] = levelStart[2] + perBlock * perBlock * perBlock;
    }

    /** The first logical block the map cannot address (past the triple indirect range). */
    public long addressableBlocks() {
        return Math.min(levelStart[3], LBLK_LIMIT);
    }

    @Override
    public Mapping map(long lblk, long maxLen) {
        MapBounds.check(lblk, maxLen);
        long limit = Math.min(MapBounds.limit(lblk, maxLen), Math.max(addressableBlocks(), lblk + 1));
        long first = pointerAt(lblk);
        if (first > 0) {
            // Extend over physically consecutive blocks; each step is a cached array lookup.
            long pos = lblk + 1;
            while (pos < limit && pointerAt(pos) == first + (pos - lblk)) {
                pos++;
            }
            return new Mapping(lblk, first, pos - lblk, Mapping.Kind.MAPPED);
        }
        long pos = lblk;
        while (pos < limit) {
            long p = pointerAt(pos);
            if (p > 0) {
                break;
            }
            pos += -p;
        }
        long end = pos >= addressableBlocks() ? MapBounds.limit(lblk, maxLen) : Math.min(pos, limit);
        return Mapping.hole(lblk, end - lblk);
    }

    /**
     * The physical block of {@code lblk} when it is mapped (> 0); otherwise minus the number of
     * blocks from {@code lblk} on that are certainly holes (the rest of an unallocated subtree).
     */
    private long pointerAt(long lblk) {
        if (lblk < EXT2_NDIR_BLOCKS) {
            long p = iBlock[(int) lblk];
            if (p == 0) {
                return -1;
            }
            checkPointer(p, 0, (int) lblk, "block");
            return p;
        }
        if (lblk >= addressableBlocks()) {
            return -(Long.MAX_VALUE - lblk);
        }
        int levels;
        long rel;
        if (lblk < levelStart[1]) {
            levels = 1;
            rel = lblk - levelStart[0];
        } else if (lblk < levelStart[2]) {
            levels = 2;
            rel = lblk - levelStart[1];
        } else {
            levels = 3;
            rel = lblk - levelStart[2];
        }
        int slot = EXT2_IND_BLOCK + levels - 1;
        long ptr = iBlock[slot];
        long parent = 0;
        int parentIndex = slot;
        long childSpan = 1;
        for (int k = 0; k < levels; k++) {
            childSpan *= perBlock;
        }
        if (ptr == 0) {
            return -(childSpan - rel);
        }
        for (int level = levels; level >= 1; level--) {
            checkPointer(ptr, parent, parentIndex, "indirect block");
            IndirectBlock block = indirect(ptr, level - 1);
            childSpan /= perBlock;
            int index = (int) (rel / childSpan);
            rel %= childSpan;
            long child = block.pointer(index);
            if (child == 0) {
                return -(childSpan - rel);
            }
            parent = ptr;
            parentIndex = index;
            ptr = child;
        }
        checkPointer(ptr, parent, parentIndex, "block");
        return ptr;
    }

    /**
     * Rejects a pointer outside the filesystem's data blocks or into fixed metadata. The message is
     * built only on failure: this runs once per block of a sequential read.
     *
     * @param parent the indirect block holding the pointer, 0 when it is in i_block
     */
    private void checkPointer(long pblk, long parent, int index, String what) {
        if (!zone.isValid(ino, pblk, 1)) {
            String from = parent == 0 ? "i_block[" + index + "]" : "indirect block " + parent + " entry " + index;
            throw fs.blockError(ino, pblk, 1, "block map of inode " + ino + ": " + from + " (" + what + ")");
        }
    }

    /** The indirect block at {@code pblk}, from the one-entry cache of its level or the disk. */
    private IndirectBlock indirect(long pblk, int distanceFromData) {
        IndirectBlock cached = lastRead[distanceFromData];
        if (cached != null && cached.pblk == pblk) {
            return cached;
        }
        IndirectBlock read = new IndirectBlock(pblk, fs.readBlock(pblk));
        lastRead[distanceFromData] = read;
        return read;
    }

    /**
     * One indirect block as read. Both fields are final, so another thread that sees the
     * reference through the unsynchronized cache array also sees the contents.
     */
    private static final class IndirectBlock {
        final long pblk;
        final byte[] pointers;

        IndirectBlock(long pblk, byte[] pointers) {
            this.pblk = pblk;
            this.pointers = pointers;
        }

        long pointer(int index) {
            return LittleEndian.u32(pointers, index * POINTER_SIZE);
        }
    }
}
