package org.ext4j.core.extent;

import static org.ext4j.core.extent.IndirectBlockMap.EXT2_IND_BLOCK;
import static org.ext4j.core.extent.IndirectBlockMap.EXT2_NDIR_BLOCKS;
import static org.ext4j.core.extent.IndirectBlockMap.EXT2_N_BLOCKS;
import static org.ext4j.core.extent.IndirectBlockMap.POINTER_SIZE;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.BlockRun;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * Changes an ext2/ext3 block map inside a transaction: sets data block pointers in i_block and
 * in single, double and triple indirect blocks (allocating those on the way), clears and frees
 * them (an indirect block left all zeros is freed and its pointer cleared). Indirect maps have no
 * unwritten state.
 */
final class IndirectBlockMapWriter implements BlockMapWriter {
    /** Levels of indirection below i_block: single, double, triple. */
    private static final int MAX_LEVELS = 3;

    private final Transaction tx;
    private final long ino;
    private final BlockAllocator allocator;
    private final boolean mayUseReserved;
    private final DiskView fs;
    private final int blockSize;
    private final long perBlock;
    /** The blocks this inode may not map; every pointer read is checked against it. */
    private final SystemZone zone;
    private final boolean hugeFile;
    /** First logical block of the ranges under i_block[12], [13], [14], then the end of the map. */
    private final long[] levelStart = new long[MAX_LEVELS + 1];
    /** Blocks under one pointer at each level: 1, P, P^2, P^3. */
    private final long[] span = new long[MAX_LEVELS + 1];

    IndirectBlockMapWriter(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved) {
        this.tx = tx;
        this.ino = ino;
        this.allocator = allocator;
        this.mayUseReserved = mayUseReserved;
        this.fs = tx.fileSystem();
        this.blockSize = fs.blockSize();
        this.perBlock = blockSize / POINTER_SIZE;
        this.zone = fs.systemZone();
        this.hugeFile = InodeBlockCount.hugeFile(fs.superblock());
        span[0] = 1;
        for (int l = 1; l <= MAX_LEVELS; l++) {
            span[l] = span[l - 1] * perBlock;
        }
        levelStart[0] = EXT2_NDIR_BLOCKS;
        for (int l = 1; l <= MAX_LEVELS; l++) {
            levelStart[l] = levelStart[l - 1] + span[l];
        }
    }

    @Override
    public long addressableBlocks() {
        return Math.min(levelStart[MAX_LEVELS], BlockMap.LBLK_LIMIT - 1);
    }

    @Override
    public boolean supportsUnwritten() {
        return false;
    }

    @Override
    public List<Mapping> allocate(long lblk, long count, boolean unwritten) {
        if (unwritten) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map, which has no unwritten blocks");
        }
        checkRange(lblk, count);
        Op op = new Op(true);
        List<Mapping> out = HoleFiller.fill(tx, allocator, mayUseReserved, op, lblk, count);
        op.finish();
        return out;
    }

    @Override
    public void free(long fromLblk, long toLblkExclusive) {
        if (fromLblk < 0 || toLblkExclusive < fromLblk) {
            throw new IllegalArgumentException("free(" + fromLblk + ", " + toLblkExclusive + "): bad range");
        }
        long to = Math.min(toLblkExclusive, levelStart[MAX_LEVELS]);
        if (fromLblk >= to) {
            return;
        }
        Op op = new Op(true);
        op.clear(fromLblk, to);
        op.finish();
    }

    @Override
    public void convertUnwritten(long lblk, long count) {
        checkRange(lblk, count);
    }

    @Override
    public Mapping map(long lblk, long maxLen) {
        MapBounds.check(lblk, maxLen);
        return new Op(false).map(lblk, maxLen);
    }

    private void checkRange(long lblk, long count) {
        if (lblk < 0 || count < 1) {
            throw new IllegalArgumentException("range " + lblk + " (+" + count + ") is empty or negative");
        }
        if (lblk >= addressableBlocks() || count > addressableBlocks() - lblk) {
            throw new Ext4Exception(Errno.EFBIG, "logical blocks " + lblk + " (+" + count + ") of inode " + ino
                    + " lie past the triple-indirect limit (" + addressableBlocks() + " blocks)");
        }
    }

    /** The inode, its indirect blocks as read or changed, and the i_blocks change of one call. */
    private final class Op implements HoleFiller.Cursor {
        final boolean writable;
        final byte[] inodeRaw;
        final boolean regularFile;
        final long[] iBlock = new long[EXT2_N_BLOCKS];
        final Map<Long, byte[]> blocks = new HashMap<>();
        final Set<Long> dirty = new LinkedHashSet<>();
        boolean iBlockDirty;
        long blocksDelta;
        /** A run of data blocks waiting to be freed with one allocator call. */
        long pendingStart;
        long pendingLength;

        Op(boolean writable) {
            this.writable = writable;
            Inode inode = InodeStore.read(tx, ino);
            this.inodeRaw = inode.raw();
            this.regularFile = inode.type() == FileType.REGULAR;
            for (int k = 0; k < EXT2_N_BLOCKS; k++) {
                iBlock[k] = LittleEndian.u32(inodeRaw, Inode.I_BLOCK + k * POINTER_SIZE);
            }
        }

        void finish() {
            flushPending();
            for (long pblk : dirty) {
                tx.markDirty(pblk);
            }
            if (iBlockDirty || blocksDelta != 0) {
                for (int k = 0; k < EXT2_N_BLOCKS; k++) {
                    LittleEndian.put32(inodeRaw, Inode.I_BLOCK + k * POINTER_SIZE, iBlock[k]);
                }
                InodeBlockCount.add(inodeRaw, ino, hugeFile, blockSize, blocksDelta);
                InodeStore.write(tx, ino, inodeRaw);
            }
        }

        void check(long pblk, String what) {
            if (!zone.isValid(ino, pblk, 1)) {
                throw fs.blockError(ino, pblk, 1, "block map of inode " + ino + ": " + what);
            }
        }

        byte[] block(long pblk) {
            byte[] b = blocks.get(pblk);
            if (b == null) {
                check(pblk, "an indirect pointer");
                b = writable ? tx.getWriteAccess(pblk, BlockRole.METADATA) : tx.read(pblk);
                blocks.put(pblk, b);
            }
            return b;
        }

        /** Level (0 direct, 1..3 indirect) of {@code lblk}. */
        int level(long lblk) {
            for (int l = 0; l < MAX_LEVELS; l++) {
                if (lblk < levelStart[l]) {
                    return l;
                }
            }
            return MAX_LEVELS;
        }

        /**
         * The physical block of {@code lblk} (> 0), or minus the number of blocks from {@code lblk}
         * on that are certainly unmapped.
         */
        long pointer(long lblk) {
            int level = level(lblk);
            if (level == 0) {
                long p = iBlock[(int) lblk];
                if (p != 0) {
                    check(p, "i_block[" + lblk + "]");
                    return p;
                }
                return -1;
            }
            long rel = lblk - levelStart[level - 1];
            long ptr = iBlock[EXT2_IND_BLOCK + level - 1];
            for (int l = level; l >= 1; l--) {
                if (ptr == 0) {
                    return -(span[l] - rel % span[l]);
                }
                byte[] b = block(ptr);
                int index = (int) (rel / span[l - 1] % perBlock);
                ptr = LittleEndian.u32(b, index * POINTER_SIZE);
            }
            if (ptr == 0) {
                return -1;
            }
            check(ptr, "a data pointer");
            return ptr;
        }

        @Override
        public Mapping map(long lblk, long maxLen) {
            long requested = MapBounds.limit(lblk, maxLen);
            long end = levelStart[MAX_LEVELS];
            if (lblk >= end) {
                return Mapping.hole(lblk, maxLen);
            }
            long limit = Math.min(requested, end);
            long first = pointer(lblk);
            if (first > 0) {
                long pos = lblk + 1;
                while (pos < limit && pointer(pos) == first + (pos - lblk)) {
                    pos++;
                }
                return new Mapping(lblk, first, pos - lblk, Mapping.Kind.MAPPED);
            }
            long pos = lblk;
            while (pos < limit) {
                long p = pointer(pos);
                if (p > 0) {
                    break;
                }
                pos += -p;
            }
            long holeEnd = pos >= end ? requested : Math.min(pos, limit);
            return Mapping.hole(lblk, holeEnd - lblk);
        }

        /** Just after the physical block of the block before {@code lblk}, else the inode's group. */
        @Override
        public long goal(long lblk) {
            return lblk > 0 && pointer(lblk - 1) > 0 ? pointer(lblk - 1) + 1 : allocator.goalForInode(ino, regularFile);
        }

        @Override
        public Mapping place(long lblk, BlockRun run) {
            for (long j = 0; j < run.length(); j++) {
                setPointer(lblk + j, run.start() + j);
            }
            return new Mapping(lblk, run.start(), run.length(), Mapping.Kind.MAPPED);
        }

        @Override
        public void countBlocks(long blocks) {
            blocksDelta += blocks;
        }

        /** Points {@code lblk} at {@code pblk}, allocating the indirect blocks on the way. */
        void setPointer(long lblk, long pblk) {
            int level = level(lblk);
            if (level == 0) {
                iBlock[(int) lblk] = pblk;
                iBlockDirty = true;
                return;
            }
            long rel = lblk - levelStart[level - 1];
            int slot = EXT2_IND_BLOCK + level - 1;
            if (iBlock[slot] == 0) {
                iBlock[slot] = newIndirect(pblk);
                iBlockDirty = true;
            }
            long ptr = iBlock[slot];
            for (int l = level; l >= 1; l--) {
                byte[] b = block(ptr);
                int index = (int) (rel / span[l - 1] % perBlock);
                if (l == 1) {
                    LittleEndian.put32(b, index * POINTER_SIZE, pblk);
                    dirty.add(ptr);
                    return;
                }
                long next = LittleEndian.u32(b, index * POINTER_SIZE);
                if (next == 0) {
                    next = newIndirect(pblk);
                    LittleEndian.put32(b, index * POINTER_SIZE, next);
                    dirty.add(ptr);
                }
                ptr = next;
            }
        }

        long newIndirect(long goal) {
            long pblk = allocator.allocate(tx, goal, 1, mayUseReserved).get(0).start();
            blocksDelta++;
            blocks.put(pblk, tx.getNewBlockAccess(pblk));
            dirty.add(pblk);
            return pblk;
        }

        /** Clears and frees the mapping of [from, to), freeing indirect blocks left empty. */
        void clear(long from, long to) {
            for (long b = from; b < Math.min(to, EXT2_NDIR_BLOCKS); b++) {
                long p = iBlock[(int) b];
                if (p != 0) {
                    check(p, "i_block[" + b + "]");
                    releaseData(p);
                    iBlock[(int) b] = 0;
                    iBlockDirty = true;
                }
            }
            for (int level = 1; level <= MAX_LEVELS; level++) {
                long base = levelStart[level - 1];
                int slot = EXT2_IND_BLOCK + level - 1;
                if (iBlock[slot] == 0 || to <= base || from >= base + span[level]) {
                    continue;
                }
                if (clearTree(iBlock[slot], level, base, from, to)) {
                    releaseIndirect(iBlock[slot]);
                    iBlock[slot] = 0;
                    iBlockDirty = true;
                }
            }
        }

        /**
         * Clears [from, to) under the indirect block {@code pblk} at {@code level} (1: it holds
         * data pointers) covering logical blocks from {@code base}; true when it is now all zeros.
         * Recursion depth is at most three.
         */
        boolean clearTree(long pblk, int level, long base, long from, long to) {
            byte[] b = block(pblk);
            long childSpan = span[level - 1];
            long first = Math.max(0, (from - base) / childSpan);
            long last = Math.min(perBlock - 1, (to - 1 - base) / childSpan);
            for (long idx = first; idx <= last; idx++) {
                int off = (int) idx * POINTER_SIZE;
                long ptr = LittleEndian.u32(b, off);
                if (ptr == 0) {
                    continue;
                }
                check(ptr, "indirect block " + pblk + " entry " + idx);
                if (level == 1) {
                    releaseData(ptr);
                } else {
                    long childBase = base + idx * childSpan;
                    if (!clearTree(ptr, level - 1, childBase, from, to)) {
                        continue;
                    }
                    releaseIndirect(ptr);
                }
                LittleEndian.put32(b, off, 0);
                dirty.add(pblk);
            }
            for (int off = 0; off < blockSize; off += POINTER_SIZE) {
                if (LittleEndian.s32(b, off) != 0) {
                    return false;
                }
            }
            return true;
        }

        void releaseData(long pblk) {
            if (pendingLength > 0 && pendingStart + pendingLength == pblk) {
                pendingLength++;
                return;
            }
            flushPending();
            pendingStart = pblk;
            pendingLength = 1;
        }

        void flushPending() {
            if (pendingLength > 0) {
                allocator.free(tx, pendingStart, pendingLength);
                blocksDelta -= pendingLength;
                pendingLength = 0;
            }
        }

        void releaseIndirect(long pblk) {
            dirty.remove(pblk);
            blocks.remove(pblk);
            allocator.free(tx, pblk, 1);
            blocksDelta--;
        }
    }
}
