package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.EH_MAGIC;
import static org.ext4j.core.extent.ExtentTree.ENTRY_SIZE;
import static org.ext4j.core.extent.ExtentTree.EXT4_EXT_MAGIC;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;
import static org.ext4j.core.extent.ExtentTree.MAX_DEPTH;

import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;

/**
 * What an extent tree node must satisfy before the writer trusts it: its header, its keys in
 * order inside the range its parent gives it, every block it points to inside the filesystem and
 * off fixed metadata, and (with metadata_csum) its tail checksum. A node that fails is a
 * {@link CorruptionException} naming the inode and the block; nothing is changed.
 */
final class ExtentNodeCheck {
    private ExtentNodeCheck() {
    }

    /**
     * Checks a node's header and entries: keys ordered within [start, end), extents inside the
     * filesystem; {@code pblk} is 0 for the root in i_block.
     */
    static void validate(DiskView fs, SystemZone zone, long ino, long pblk, byte[] b, int expectedDepth, long start,
            long end, int capacity) {
        long block = pblk == 0 ? CorruptionException.NO_BLOCK : pblk;
        if (LittleEndian.u16(b, EH_MAGIC) != EXT4_EXT_MAGIC) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": bad magic 0x" + Integer.toHexString(LittleEndian.u16(b, EH_MAGIC)));
        }
        int depth = ExtentNodes.depth(b);
        int max = ExtentNodes.maxEntries(b);
        int count = ExtentNodes.entries(b);
        if (depth > MAX_DEPTH) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": depth " + depth + " exceeds " + MAX_DEPTH);
        }
        if (depth != expectedDepth) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": depth " + depth + ", expected " + expectedDepth);
        }
        if (max < 1 || max > capacity || count > max) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": eh_entries " + count + ", eh_max " + max + " (capacity " + capacity + ")");
        }
        if (depth > 0 && count == 0) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": interior node with no entries");
        }
        long prevEnd = start;
        for (int i = 0; i < count; i++) {
            long k = ExtentNodes.key(b, i);
            if (depth > 0) {
                long c = ExtentNodes.child(b, i);
                if (k < prevEnd || k >= end || (i > 0 && k <= ExtentNodes.key(b, i - 1))) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": index " + i + " key " + k + " out of order in [" + start + ", " + end + ")");
                }
                if (!zone.isValid(ino, c, 1)) {
                    throw fs.blockError(ino, c, 1, where(ino, pblk) + ": index " + i);
                }
                prevEnd = k;
            } else {
                long len = ExtentNodes.length(b, i);
                long p = ExtentNodes.start(b, i);
                if (len == 0 || k < prevEnd || k + len > end) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, block, where(ino, pblk) + ": extent " + i + " (logical " + k + "+" + len
                            + ") overlaps its neighbour or leaves [" + start + ", " + end + ")");
                }
                if (!zone.isValid(ino, p, len)) {
                    throw fs.blockError(ino, p, len, where(ino, pblk) + ": extent " + i + " (logical " + k + ")");
                }
                prevEnd = k + len;
            }
        }
    }

    /** Checks the ext4_extent_tail of tree block {@code pblk} against the inode's checksum seed. */
    static void verifyChecksum(long ino, long pblk, byte[] b, int checksumSeed) {
        int tail = HEADER_SIZE + ExtentNodes.maxEntries(b) * ENTRY_SIZE;
        int stored = LittleEndian.s32(b, tail);
        int computed = Crc32c.update(checksumSeed, b, 0, tail);
        if (stored != computed) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, where(ino, pblk) + ": checksum 0x" + Integer.toHexString(stored)
                    + " does not match computed 0x" + Integer.toHexString(computed));
        }
    }

    /** Where a message says the node is: built only when a check fails. */
    static String where(long ino, long pblk) {
        return pblk == 0 ? "extent tree root of inode " + ino : "extent tree of inode " + ino + ", block " + pblk;
    }

    /** Writes the ext4_extent_tail of a changed tree block. */
    static void putChecksum(byte[] b, int checksumSeed) {
        int tail = HEADER_SIZE + ExtentNodes.maxEntries(b) * ENTRY_SIZE;
        LittleEndian.put32(b, tail, Crc32c.update(checksumSeed, b, 0, tail));
    }
}
