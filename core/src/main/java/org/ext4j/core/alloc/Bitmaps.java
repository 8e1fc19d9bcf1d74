package org.ext4j.core.alloc;

import java.util.Arrays;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.view.VerifiedBlocks;

/**
 * Reads a group's block and inode bitmaps as the kernel sees them: a group flagged BLOCK_UNINIT
 * or INODE_UNINIT (trusted only when descriptors carry checksums) has no bitmap on disk, so one
 * is synthesized; otherwise the bitmap block is read and, with metadata_csum, its checksum
 * verified (once per shared array: see {@link VerifiedBlocks}). Bitmaps are returned as fresh
 * block-sized arrays, or shared ones for a caller that only looks.
 */
public final class Bitmaps {
    private final Superblock sb;
    private final GroupTable groups;
    private final GroupLayout layout;
    private final boolean groupChecksums;
    private final boolean metadataCsum;
    private final int csumSeed;
    private final int blockSize;
    private final VerifiedBlocks verified;

    public Bitmaps(DiskView fs, GroupTable groups, GroupLayout layout) {
        this.sb = fs.superblock();
        this.groups = groups;
        this.layout = layout;
        this.groupChecksums = fs.hasGroupChecksums();
        this.metadataCsum = fs.hasMetadataCsum();
        this.csumSeed = fs.csumSeed();
        this.blockSize = fs.blockSize();
        this.verified = fs.verifiedBlocks();
        if (sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "bigalloc bitmaps (one bit per cluster) are not supported");
        }
        if (sb.clustersPerGroup() != sb.blocksPerGroup()) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK, "superblock: s_clusters_per_group " + sb.clustersPerGroup()
                    + " differs from s_blocks_per_group " + sb.blocksPerGroup() + " without bigalloc");
        }
    }

    /** A reader for {@code fs} (its groups and layout built afresh). */
    public static Bitmaps of(DiskView fs) {
        GroupTable groups = new GroupTable(fs);
        return new Bitmaps(fs, groups, new GroupLayout(fs.superblock()));
    }

    /** True when the UNINIT flags of group descriptors are meaningful (gdt_csum or metadata_csum). */
    public boolean groupChecksums() {
        return groupChecksums;
    }

    /**
     * The block bitmap of {@code group}: synthesized when BLOCK_UNINIT, else read from
     * {@code src}, checksum-verified and checked to mark the group's own bitmaps and inode table
     * in use. A fresh array.
     */
    public byte[] blockBitmap(BlockReader src, long group) {
        byte[] map = sharedBlockBitmap(src, group);
        return Arrays.copyOf(map, map.length);
    }

    /** {@link #blockBitmap}, possibly shared ({@link BlockReader#readShared}): to be read, not changed or kept. */
    public byte[] sharedBlockBitmap(BlockReader src, long group) {
        GroupDescriptor gd = groups.descriptor(src, group);
        if (groupChecksums && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
            return synthesizeBlockBitmap(gd);
        }
        byte[] map = src.readShared(gd.blockBitmap());
        verifyBlockBitmap(gd, map);
        return map;
    }

    /** The inode bitmap of {@code group}: all free when INODE_UNINIT, else read and checksum-verified. A fresh array. */
    public byte[] inodeBitmap(BlockReader src, long group) {
        byte[] map = sharedInodeBitmap(src, group);
        return Arrays.copyOf(map, map.length);
    }

    /** {@link #inodeBitmap}, possibly shared ({@link BlockReader#readShared}): to be read, not changed or kept. */
    public byte[] sharedInodeBitmap(BlockReader src, long group) {
        GroupDescriptor gd = groups.descriptor(src, group);
        if (groupChecksums && gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
            return synthesizeInodeBitmap();
        }
        byte[] map = src.readShared(gd.inodeBitmap());
        verifyInodeBitmap(gd, map);
        return map;
    }

    /**
     * The block bitmap the kernel builds for a BLOCK_UNINIT group: the superblock backup and
     * descriptor blocks at its start, the group's own bitmaps and inode table where they lie inside
     * the group, and every bit past the group's last block set.
     */
    public byte[] synthesizeBlockBitmap(GroupDescriptor gd) {
        long group = gd.group();
        byte[] map = new byte[blockSize];
        long start = sb.groupFirstBlock(group);
        long inGroup = layout.blocksInGroup(group);
        Bitmap.setRange(map, 0, Math.min(layout.baseMetaBlocks(group), inGroup));
        markIfInside(map, start, inGroup, gd.blockBitmap(), 1);
        markIfInside(map, start, inGroup, gd.inodeBitmap(), 1);
        markIfInside(map, start, inGroup, gd.inodeTable(), layout.inodeTableBlocks());
        Bitmap.setRange(map, inGroup, 8L * blockSize);
        return map;
    }

    /** The inode bitmap of an INODE_UNINIT group: every inode free, the bits past inodes_per_group set. */
    public byte[] synthesizeInodeBitmap() {
        byte[] map = new byte[blockSize];
        Bitmap.setRange(map, sb.inodesPerGroup(), 8L * blockSize);
        return map;
    }

    /** crc32c(fs seed, the first clusters_per_group / 8 bytes): the full 32-bit block bitmap checksum. */
    public int blockBitmapChecksum(byte[] map) {
        return Crc32c.update(csumSeed, map, 0, (int) (sb.clustersPerGroup() / 8));
    }

    /** crc32c(fs seed, the first inodes_per_group / 8 bytes): the full 32-bit inode bitmap checksum. */
    public int inodeBitmapChecksum(byte[] map) {
        return Crc32c.update(csumSeed, map, 0, (int) (sb.inodesPerGroup() / 8));
    }

    /** True when descriptors are wide enough to hold the high 16 bits of the block bitmap checksum. */
    boolean hasBlockBitmapCsumHi() {
        return sb.descSize() >= GroupDescriptor.BG_BLOCK_BITMAP_CSUM_HI + 2;
    }

    boolean hasInodeBitmapCsumHi() {
        return sb.descSize() >= GroupDescriptor.BG_INODE_BITMAP_CSUM_HI + 2;
    }

    /**
     * Checks a block bitmap read from disk against its descriptor. {@code map} is the shared
     * array as read (the cache's or the transaction's): a pass is remembered for that array.
     */
    public void verifyBlockBitmap(GroupDescriptor gd, byte[] map) {
        if (verified.contains(gd.blockBitmap(), map)) {
            return;
        }
        long group = gd.group();
        if (metadataCsum) {
            long mask = hasBlockBitmapCsumHi() ? 0xFFFFFFFFL : 0xFFFFL;
            long computed = blockBitmapChecksum(map) & mask;
            long stored = gd.blockBitmapChecksum() & mask;
            if (stored != computed) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_BITMAP, CorruptionException.NO_INODE, gd.blockBitmap(), String.format(
                    "block bitmap of group %d (block %d): checksum 0x%x does not match computed 0x%x",
                    group, gd.blockBitmap(), stored, computed));
            }
        }
        long start = sb.groupFirstBlock(group);
        long inGroup = layout.blocksInGroup(group);
        checkMarked(map, group, start, inGroup, gd.blockBitmap(), 1, "its block bitmap");
        checkMarked(map, group, start, inGroup, gd.inodeBitmap(), 1, "its inode bitmap");
        checkMarked(map, group, start, inGroup, gd.inodeTable(), layout.inodeTableBlocks(), "its inode table");
        verified.add(gd.blockBitmap(), map);
    }

    /** Checks an inode bitmap read from disk against its descriptor ({@code map} as for {@link #verifyBlockBitmap}). */
    public void verifyInodeBitmap(GroupDescriptor gd, byte[] map) {
        if (verified.contains(gd.inodeBitmap(), map)) {
            return;
        }
        if (metadataCsum) {
            long mask = hasInodeBitmapCsumHi() ? 0xFFFFFFFFL : 0xFFFFL;
            long computed = inodeBitmapChecksum(map) & mask;
            long stored = gd.inodeBitmapChecksum() & mask;
            if (stored != computed) {
                throw new CorruptionException(CorruptionException.Structure.INODE_BITMAP, CorruptionException.NO_INODE, gd.inodeBitmap(), String.format("inode bitmap of group %d (block %d): checksum 0x%x does not match computed 0x%x",
                        gd.group(), gd.inodeBitmap(), stored, computed));
            }
        }
        verified.add(gd.inodeBitmap(), map);
    }

    private static void markIfInside(byte[] map, long start, long inGroup, long first, long count) {
        for (long b = Math.max(first, start); b < Math.min(first + count, start + inGroup); b++) {
            Bitmap.set(map, b - start);
        }
    }

    private static void checkMarked(byte[] map, long group, long start, long inGroup, long first, long count, String what) {
        for (long b = Math.max(first, start); b < Math.min(first + count, start + inGroup); b++) {
            // The message is built only on failure: this runs for every inode table block at each
            // first update of a block bitmap in a transaction.
            if (!Bitmap.test(map, b - start)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_BITMAP, CorruptionException.NO_INODE, b, "block bitmap of group " + group + ": " + what + " (block " + b
                        + ") is marked free");
            }
        }
    }
}
