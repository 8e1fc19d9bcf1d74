package org.ext4j.core.extent;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Writes a file's bytes and changes its size inside a transaction: write, truncate and the
 * fallocate modes (preallocate, punch hole, zero range, collapse range, insert range). Blocks are mapped through
 * {@link BlockMapWriter}; data goes to the device with {@link Transaction#writeData}, one call
 * per physically contiguous run of whole blocks. Timestamps are the caller's.
 *
 * <p>Every allocation of a call happens before its first data write, so an ENOSPC or EFBIG
 * leaves the disk as it was once the caller aborts the transaction (which it must do after any
 * exception from here).
 */
public final class FileContentWriter {
    private final BlockAllocator allocator;
    private final boolean mayUseReserved;

    /** A writer allocating with {@code allocator}; {@code mayUseReserved} lets it take root's reserved blocks. */
    public FileContentWriter(BlockAllocator allocator, boolean mayUseReserved) {
        this.allocator = allocator;
        this.mayUseReserved = mayUseReserved;
    }

    /** A writer with its own allocator over {@code fs}, leaving the reserved blocks alone. */
    public FileContentWriter(DiskView fs) {
        this(new BlockAllocator(new GroupAccounting(fs)), false);
    }

    /**
     * The largest i_size a file may reach, as the kernel computes s_maxbytes: with extents
     * 2^32 - 1 blocks; with an indirect map the triple-indirect reach less its own indirect
     * blocks when i_blocks must fit in 32 bits; without huge_file the i_blocks limit; without
     * large_file 2^31 - 1 bytes.
     */
    public static long maxFileSize(Superblock sb, boolean extents) {
        int bits = Integer.numberOfTrailingZeros(sb.blockSize());
        boolean huge = sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE);
        long res;
        if (extents) {
            res = ((1L << 32) - 1) << bits;
            if (!huge) {
                long upper = (((1L << 32) - 1) >>> (bits - 9)) << bits;
                res = Math.min(res, upper);
            }
        } else {
            res = indirectMaxBlocks(bits, huge) << bits;
        }
        if (!sb.hasRoCompat(Features.RO_COMPAT_LARGE_FILE)) {
            res = Math.min(res, Integer.MAX_VALUE);
        }
        return res;
    }

    /** Data blocks an indirect map may hold when data plus indirect blocks must fit in i_blocks. */
    private static long indirectMaxBlocks(int bits, boolean huge) {
        long ppb = 1L << (bits - 2);
        long upper = huge ? (1L << 48) - 1 : ((1L << 32) - 1) >>> (bits - 9);
        long reach = IndirectBlockMap.EXT2_NDIR_BLOCKS + ppb + ppb * ppb + ppb * ppb * ppb;
        long meta = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
        if (reach + meta <= upper) {
            return reach;
        }
        long rest = upper - IndirectBlockMap.EXT2_NDIR_BLOCKS - ppb;
        long metaNeeded = 1;
        if (rest < ppb * ppb) {
            metaNeeded += 1 + ceilDiv(rest, ppb);
        } else {
            metaNeeded += 1 + ppb;
            rest -= ppb * ppb;
            metaNeeded += 1 + ceilDiv(rest, ppb) + ceilDiv(rest, ppb * ppb);
        }
        return upper - metaNeeded;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Writes {@code len} bytes of {@code src[off..]} at byte {@code pos} of inode {@code ino}:
     * allocates the missing blocks, reads and merges the existing data of partly written blocks
     * (a new or unwritten block is zero-filled around the data), marks unwritten blocks written
     * and raises i_size when the write ends past it.
     *
     * @return {@code len}
     * @throws Ext4Exception EFBIG past the maximum file size, ENOSPC, EINVAL for a negative
     *                       position or an inode without a block map, EIO on a device error
     */
    public int write(Transaction tx, long ino, long pos, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        if (pos < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative write position " + pos + " in inode " + ino);
        }
        if (len == 0) {
            return 0;
        }
        BlockMapWriter map = BlockMapWriter.of(tx, ino, allocator, mayUseReserved);
        Inode inode = InodeStore.read(tx, ino);
        long max = maxFileSize(tx.fileSystem().superblock(), map.supportsUnwritten());
        if (pos > max - len) {
            throw new Ext4Exception(Errno.EFBIG, "writing " + len + " bytes at " + pos + " to inode " + ino
                    + " passes the maximum file size " + max);
        }
        int bs = tx.fileSystem().blockSize();
        long end = pos + len;
        long oldSize = inode.size();
        long first = pos / bs;
        long last = (end - 1) / bs;
        boolean headPartial = pos % bs != 0 || (first == last && end % bs != 0);
        boolean tailPartial = last != first && end % bs != 0;
        Mapping.Kind headBefore = headPartial ? map.map(first, 1).kind() : null;
        Mapping.Kind tailBefore = tailPartial ? map.map(last, 1).kind() : null;
        List<Mapping> runs = map.allocate(first, last - first + 1, false);
        DataWriter data = new DataWriter(tx, ino, pos, end, oldSize, src, off);
        boolean unwrittenSeen = false;
        for (Mapping run : runs) {
            unwrittenSeen |= run.kind() == Mapping.Kind.UNWRITTEN;
            long a = run.lblk();
            long b = run.lblkEnd();
            if (headPartial && a == first) {
                data.partialBlock(first, run.pblk(), headBefore);
                a++;
            }
            if (tailPartial && b - 1 == last && b > a) {
                data.partialBlock(last, run.pblk() + (last - run.lblk()), tailBefore);
                b--;
            }
            if (b > a) {
                data.wholeBlocks(a, run.pblk() + (a - run.lblk()), b - a);
            }
        }
        if (unwrittenSeen) {
            map.convertUnwritten(first, last - first + 1);
        }
        if (pos > oldSize && oldSize % bs != 0 && oldSize / bs < first) {
            zeroBlockTail(tx, map, ino, oldSize);
        }
        if (end > oldSize) {
            setSize(tx, ino, end);
        }
        return len;
    }

    /**
     * Sets i_size of inode {@code ino} to {@code newSize}. Shrinking (or an unchanged size)
     * frees every block past the new last block, preallocated ones included, and zeroes the
     * rest of the new last block on disk; growing only zeroes the old last block's tail, leaving
     * the new range a hole.
     *
     * @throws Ext4Exception EFBIG past the maximum file size, EINVAL for a negative size
     */
    public void truncate(Transaction tx, long ino, long newSize) {
        if (newSize < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative size " + newSize + " for inode " + ino);
        }
        BlockMapWriter map = BlockMapWriter.of(tx, ino, allocator, mayUseReserved);
        long max = maxFileSize(tx.fileSystem().superblock(), map.supportsUnwritten());
        if (newSize > max) {
            throw new Ext4Exception(Errno.EFBIG, "size " + newSize + " of inode " + ino + " passes the maximum file size " + max);
        }
        int bs = tx.fileSystem().blockSize();
        long oldSize = InodeStore.read(tx, ino).size();
        if (newSize <= oldSize) {
            map.free(ceilDiv(newSize, bs), Long.MAX_VALUE);
            if (newSize % bs != 0) {
                zeroBlockTail(tx, map, ino, newSize);
            }
        } else if (oldSize % bs != 0) {
            zeroBlockTail(tx, map, ino, oldSize);
        }
        setSize(tx, ino, newSize);
    }

    /**
     * fallocate(mode 0 or FALLOC_FL_KEEP_SIZE) on blocks: maps the holes of [{@code lblk},
     * {@code lblk + count}) to unwritten extents; without {@code keepSize} i_size grows to the
     * end of the range.
     *
     * @throws Ext4Exception EOPNOTSUPP for an indirect-mapped file (as the kernel), EFBIG, ENOSPC
     */
    public void preallocate(Transaction tx, long ino, long lblk, long count, boolean keepSize) {
        BlockMapWriter map = BlockMapWriter.of(tx, ino, allocator, mayUseReserved);
        if (!map.supportsUnwritten()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map: no preallocation");
        }
        int bs = tx.fileSystem().blockSize();
        long max = maxFileSize(tx.fileSystem().superblock(), true);
        if (lblk < 0 || count < 1 || lblk > max / bs || count > max / bs - lblk) {
            throw new Ext4Exception(Errno.EFBIG, "preallocating blocks " + lblk + " (+" + count + ") of inode " + ino
                    + " passes the maximum file size " + max);
        }
        map.allocate(lblk, count, true);
        long end = (lblk + count) * bs;
        if (!keepSize && end > InodeStore.read(tx, ino).size()) {
            setSize(tx, ino, end);
        }
    }

    /**
     * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): bytes [{@code pos}, {@code pos + len})
     * read as zeros afterwards; whole blocks are freed, partial edge blocks zeroed in place. As the
     * kernel, nothing past the block holding i_size is touched, and i_size does not change.
     */
    public void punchHole(Transaction tx, long ino, long pos, long len) {
        if (pos < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, "punch hole at " + pos + " (+" + len + ") of inode " + ino);
        }
        BlockMapWriter map = BlockMapWriter.of(tx, ino, allocator, mayUseReserved);
        int bs = tx.fileSystem().blockSize();
        long size = InodeStore.read(tx, ino).size();
        long end = Math.min(pos > Long.MAX_VALUE - len ? Long.MAX_VALUE : pos + len, ceilDiv(size, bs) * bs);
        if (pos >= end) {
            return;
        }
        long firstFull = ceilDiv(pos, bs);
        long endFull = end / bs;
        if (firstFull > endFull) {
            zeroBytesIfWritten(tx, map, ino, pos, end);
            return;
        }
        if (pos % bs != 0) {
            zeroBytesIfWritten(tx, map, ino, pos, firstFull * bs);
        }
        if (end % bs != 0) {
            zeroBytesIfWritten(tx, map, ino, endFull * bs, end);
        }
        if (firstFull < endFull) {
            map.free(firstFull, endFull);
        }
    }

    /**
     * fallocate(FALLOC_FL_ZERO_RANGE [| FALLOC_FL_KEEP_SIZE]): bytes [{@code pos}, {@code pos + len})
     * read as zeros afterwards and stay allocated: whole blocks become unwritten extents (holes
     * are allocated as such), written partial edge blocks are zeroed in place. Without
     * {@code keepSize} i_size grows to the end of the range.
     *
     * @throws Ext4Exception EOPNOTSUPP for an indirect-mapped file, EFBIG, ENOSPC
     */
    public void zeroRange(Transaction tx, long ino, long pos, long len, boolean keepSize) {
        if (pos < 0 || len <= 0) {
            throw new Ext4Exception(Errno.EINVAL, "zero range at " + pos + " (+" + len + ") of inode " + ino);
        }
        BlockMapWriter map = BlockMapWriter.of(tx, ino, allocator, mayUseReserved);
        if (!map.supportsUnwritten()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map: no zero range");
        }
        long max = maxFileSize(tx.fileSystem().superblock(), true);
        if (pos > max - len) {
            throw new Ext4Exception(Errno.EFBIG, "zero range at " + pos + " (+" + len + ") of inode " + ino
                    + " passes the maximum file size " + max);
        }
        int bs = tx.fileSystem().blockSize();
        long end = pos + len;
        long first = pos / bs;
        long last = (end - 1) / bs;
        map.allocate(first, last - first + 1, true);
        long firstFull = ceilDiv(pos, bs);
        long endFull = end / bs;
        if (firstFull < endFull) {
            map.convertToUnwritten(firstFull, endFull - firstFull);
        }
        if (firstFull > endFull) {
            zeroBytesIfWritten(tx, map, ino, pos, end);
        } else {
            if (pos % bs != 0) {
                zeroBytesIfWritten(tx, map, ino, pos, firstFull * bs);
            }
            if (end % bs != 0) {
                zeroBytesIfWritten(tx, map, ino, endFull * bs, end);
            }
        }
        if (!keepSize && end > InodeStore.read(tx, ino).size()) {
            setSize(tx, ino, end);
        }
    }

    /**
     * The checks ext4 makes of a FALLOC_FL_COLLAPSE_RANGE before it changes anything, in the
     * kernel's order: extent-mapped file (EOPNOTSUPP), block-aligned offset and length (EINVAL),
     * a range ending before i_size (EINVAL; up to or past it, the caller wants truncate).
     */
    public static void checkCollapseRange(Superblock sb, Inode inode, long pos, long len) {
        if (!inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "collapse range needs an extent-mapped file");
        }
        requireBlockAligned(sb, pos, len, "collapse");
        if (pos + len >= inode.size()) {
            throw new Ext4Exception(Errno.EINVAL, "collapse range " + pos + "+" + len + " reaches the end of file ("
                    + inode.size() + ")");
        }
    }

    /**
     * The checks ext4 makes of a FALLOC_FL_INSERT_RANGE before it changes anything, in the
     * kernel's order: extent-mapped file (EOPNOTSUPP), block-aligned offset and length (EINVAL),
     * an offset inside the file (EINVAL), the grown size within s_maxbytes (EFBIG).
     */
    public static void checkInsertRange(Superblock sb, Inode inode, long pos, long len) {
        if (!inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "insert range needs an extent-mapped file");
        }
        requireBlockAligned(sb, pos, len, "insert");
        if (pos >= inode.size()) {
            throw new Ext4Exception(Errno.EINVAL, "insert range at " + pos + " is not before the end of file (" + inode.size() + ")");
        }
        if (len > maxFileSize(sb, true) - inode.size()) {
            throw new Ext4Exception(Errno.EFBIG, "inserting " + len + " bytes would pass the maximum file size");
        }
    }

    private static void requireBlockAligned(Superblock sb, long pos, long len, String what) {
        // The kernel wants cluster alignment; ext4j does not write bigalloc filesystems, where a cluster is more than a block.
        if (pos < 0 || len <= 0 || ((pos | len) & (sb.blockSize() - 1)) != 0) {
            throw new Ext4Exception(Errno.EINVAL, what + " range " + pos + "+" + len + " is not aligned to the "
                    + sb.blockSize() + "-byte block");
        }
    }

    /**
     * fallocate(FALLOC_FL_COLLAPSE_RANGE): bytes [{@code pos}, {@code pos + len}) leave the file
     * and what followed them moves down by {@code len}; their blocks are freed and i_size shrinks
     * by {@code len}. Holes and unwritten extents move as they are.
     *
     * @throws Ext4Exception as {@link #checkCollapseRange}, ENOSPC when splitting an extent needs a tree block
     */
    public void collapseRange(Transaction tx, long ino, long pos, long len) {
        Inode inode = InodeStore.read(tx, ino);
        checkCollapseRange(tx.fileSystem().superblock(), inode, pos, len);
        int bs = tx.fileSystem().blockSize();
        BlockMapWriter.of(tx, ino, allocator, mayUseReserved).collapseRange(pos / bs, len / bs);
        setSize(tx, ino, inode.size() - len);
    }

    /**
     * fallocate(FALLOC_FL_INSERT_RANGE): a hole of {@code len} bytes opens at {@code pos}, what
     * was there and after moves up by {@code len}, and i_size grows by {@code len}.
     *
     * @throws Ext4Exception as {@link #checkInsertRange}, EINVAL when an extent past i_size would
     *                       move beyond the last logical block, ENOSPC when the cut needs a tree block
     */
    public void insertRange(Transaction tx, long ino, long pos, long len) {
        Inode inode = InodeStore.read(tx, ino);
        checkInsertRange(tx.fileSystem().superblock(), inode, pos, len);
        int bs = tx.fileSystem().blockSize();
        BlockMapWriter.of(tx, ino, allocator, mayUseReserved).insertRange(pos / bs, len / bs);
        setSize(tx, ino, inode.size() + len);
    }

    /** Zeroes the block holding byte {@code from} from there to its end, when that block holds written data. */
    private static void zeroBlockTail(Transaction tx, BlockMapWriter map, long ino, long from) {
        int bs = tx.fileSystem().blockSize();
        zeroBytesIfWritten(tx, map, ino, from, (from / bs + 1) * bs);
    }

    /** Zeroes bytes [from, to) (within one block) on disk when the block is mapped and written. */
    private static void zeroBytesIfWritten(Transaction tx, BlockMapWriter map, long ino, long from, long to) {
        int bs = tx.fileSystem().blockSize();
        long lblk = from / bs;
        Mapping m = map.map(lblk, 1);
        if (m.kind() != Mapping.Kind.MAPPED) {
            return;
        }
        byte[] block = readData(tx, ino, m.pblk());
        java.util.Arrays.fill(block, (int) (from - lblk * bs), (int) (to - lblk * bs), (byte) 0);
        writeBlocks(tx, m.pblk(), block, 0, 1);
    }

    /**
     * Writes {@code count} whole blocks of file data from {@code src[off..]} at {@code pblk}: one
     * {@link Transaction#writeData} per run, except for blocks this transaction already holds as
     * metadata (a tree or indirect block freed earlier in it and reallocated as data), whose
     * working copy takes the data so that the commit does not write the stale copy over it.
     */
    static void writeBlocks(Transaction tx, long pblk, byte[] src, int off, long count) {
        int bs = tx.fileSystem().blockSize();
        long runStart = 0;
        for (long i = 0; i <= count; i++) {
            boolean held = i < count && tx.hasAccess(pblk + i);
            if (i == count || held) {
                if (i > runStart) {
                    tx.writeData(pblk + runStart, src, off + (int) (runStart * bs), (int) ((i - runStart) * bs));
                }
                runStart = i + 1;
            }
            if (held) {
                byte[] working = tx.getWriteAccess(pblk + i);
                System.arraycopy(src, off + (int) (i * bs), working, 0, bs);
                tx.markDirty(pblk + i);
            }
        }
    }

    private static byte[] readData(Transaction tx, long ino, long pblk) {
        if (tx.hasAccess(pblk)) {
            return tx.read(pblk);
        }
        DiskView fs = tx.fileSystem();
        int bs = fs.blockSize();
        byte[] block = new byte[bs];
        try {
            fs.device().read(pblk * bs, block, 0, bs);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "reading data block " + pblk + " of inode " + ino + " failed: " + e.getMessage(), e);
        }
        return block;
    }

    private static void setSize(Transaction tx, long ino, long size) {
        byte[] raw = InodeStore.read(tx, ino).raw();
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
        InodeStore.write(tx, ino, raw);
    }

    /** The data side of one write: the byte range, the source buffer, and how edge blocks are filled. */
    private static final class DataWriter {
        final Transaction tx;
        final long ino;
        final long pos;
        final long end;
        final long oldSize;
        final byte[] src;
        final int off;
        final int bs;

        DataWriter(Transaction tx, long ino, long pos, long end, long oldSize, byte[] src, int off) {
            this.tx = tx;
            this.ino = ino;
            this.pos = pos;
            this.end = end;
            this.oldSize = oldSize;
            this.src = src;
            this.off = off;
            this.bs = tx.fileSystem().blockSize();
        }

        /** Writes {@code count} blocks fully covered by the write straight from the caller's buffer. */
        void wholeBlocks(long lblk, long pblk, long count) {
            int from = off + (int) (lblk * bs - pos);
            writeBlocks(tx, pblk, src, from, count);
        }

        /**
         * Writes block {@code lblk}, only partly covered: over its old content when it was
         * written data (bytes past the old i_size cleared, they may be stale), over zeros when it
         * was a hole, unwritten, or is new.
         */
        void partialBlock(long lblk, long pblk, Mapping.Kind before) {
            long blockStart = lblk * bs;
            byte[] block;
            if (before == Mapping.Kind.MAPPED) {
                block = readData(tx, ino, pblk);
                if (oldSize < blockStart + bs) {
                    java.util.Arrays.fill(block, (int) Math.max(0, oldSize - blockStart), bs, (byte) 0);
                }
            } else {
                block = new byte[bs];
            }
            long from = Math.max(pos, blockStart);
            long to = Math.min(end, blockStart + bs);
            System.arraycopy(src, off + (int) (from - pos), block, (int) (from - blockStart), (int) (to - from));
            writeBlocks(tx, pblk, block, 0, 1);
        }
    }
}
