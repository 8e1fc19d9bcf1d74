package org.ext4j.core.disk;

import java.util.Arrays;

import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;

/**
 * One block group descriptor (32 bytes, or s_desc_size with 64bit): where the group's bitmaps and
 * inode table are, its free counts and flags. The raw bytes are kept for writing back.
 */
public final class GroupDescriptor {
    public static final int BG_BLOCK_BITMAP_LO = 0x0;
    public static final int BG_INODE_BITMAP_LO = 0x4;
    public static final int BG_INODE_TABLE_LO = 0x8;
    public static final int BG_FREE_BLOCKS_COUNT_LO = 0xC;
    public static final int BG_FREE_INODES_COUNT_LO = 0xE;
    public static final int BG_USED_DIRS_COUNT_LO = 0x10;
    public static final int BG_FLAGS = 0x12;
    public static final int BG_EXCLUDE_BITMAP_LO = 0x14;
    public static final int BG_BLOCK_BITMAP_CSUM_LO = 0x18;
    public static final int BG_INODE_BITMAP_CSUM_LO = 0x1A;
    public static final int BG_ITABLE_UNUSED_LO = 0x1C;
    public static final int BG_CHECKSUM = 0x1E;
    public static final int BG_BLOCK_BITMAP_HI = 0x20;
    public static final int BG_INODE_BITMAP_HI = 0x24;
    public static final int BG_INODE_TABLE_HI = 0x28;
    public static final int BG_FREE_BLOCKS_COUNT_HI = 0x2C;
    public static final int BG_FREE_INODES_COUNT_HI = 0x2E;
    public static final int BG_USED_DIRS_COUNT_HI = 0x30;
    public static final int BG_ITABLE_UNUSED_HI = 0x32;
    public static final int BG_EXCLUDE_BITMAP_HI = 0x34;
    public static final int BG_BLOCK_BITMAP_CSUM_HI = 0x38;
    public static final int BG_INODE_BITMAP_CSUM_HI = 0x3A;

    /** bg_flags bits. */
    public static final int INODE_UNINIT = 0x1;
    public static final int BLOCK_UNINIT = 0x2;
    public static final int ITABLE_ZEROED = 0x4;

    private final long group;
    private final byte[] raw;
    private final boolean wide;

    public GroupDescriptor(long group, byte[] raw) {
        this.group = group;
        this.raw = raw;
        this.wide = raw.length >= 64;
    }

    public long group() {
        return group;
    }

    /** A copy of the raw descriptor bytes. */
    public byte[] raw() {
        return Arrays.copyOf(raw, raw.length);
    }

    public long blockBitmap() {
        return lohi32(BG_BLOCK_BITMAP_LO, BG_BLOCK_BITMAP_HI);
    }

    public long inodeBitmap() {
        return lohi32(BG_INODE_BITMAP_LO, BG_INODE_BITMAP_HI);
    }

    public long inodeTable() {
        return lohi32(BG_INODE_TABLE_LO, BG_INODE_TABLE_HI);
    }

    public long freeBlocksCount() {
        return lohi16(BG_FREE_BLOCKS_COUNT_LO, BG_FREE_BLOCKS_COUNT_HI);
    }

    public long freeInodesCount() {
        return lohi16(BG_FREE_INODES_COUNT_LO, BG_FREE_INODES_COUNT_HI);
    }

    public long usedDirsCount() {
        return lohi16(BG_USED_DIRS_COUNT_LO, BG_USED_DIRS_COUNT_HI);
    }

    public long itableUnused() {
        return lohi16(BG_ITABLE_UNUSED_LO, BG_ITABLE_UNUSED_HI);
    }

    public int flags() {
        return u16(raw, BG_FLAGS);
    }

    public boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    public int checksum() {
        return u16(raw, BG_CHECKSUM);
    }

    /** The stored block bitmap checksum (16 bits, or 32 with wide descriptors). */
    public long blockBitmapChecksum() {
        return lohi16(BG_BLOCK_BITMAP_CSUM_LO, BG_BLOCK_BITMAP_CSUM_HI);
    }

    public long inodeBitmapChecksum() {
        return lohi16(BG_INODE_BITMAP_CSUM_LO, BG_INODE_BITMAP_CSUM_HI);
    }

    private long lohi32(int lo, int hi) {
        return u32(raw, lo) | (wide ? u32(raw, hi) << 32 : 0);
    }

    private long lohi16(int lo, int hi) {
        return u16(raw, lo) | (wide ? (long) u16(raw, hi) << 16 : 0);
    }

    /**
     * The descriptor checksum as {@code metadata_csum} (crc32c, low 16 bits) or {@code gdt_csum}
     * (crc16) defines it, over the group number and the descriptor with bg_checksum left out.
     * Returns -1 when neither feature is on.
     */
    public static int computeChecksum(Superblock sb, long group, byte[] desc) {
        if (sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM)) {
            int crc = Crc32c.updateLe32(sb.checksumSeed(), group);
            crc = Crc32c.update(crc, desc, 0, BG_CHECKSUM);
            crc = Crc32c.updateZeros(crc, 2);
            crc = Crc32c.update(crc, desc, BG_CHECKSUM + 2, desc.length - BG_CHECKSUM - 2);
            return crc & 0xFFFF;
        }
        if (sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM)) {
            byte[] uuid = sb.uuid();
            int crc = Crc16.update(0xFFFF, uuid, 0, 16);
            crc = Crc16.update(crc, LittleEndian.bytes32(group), 0, 4);
            crc = Crc16.update(crc, desc, 0, BG_CHECKSUM);
            if (desc.length > BG_CHECKSUM + 2) {
                crc = Crc16.update(crc, desc, BG_CHECKSUM + 2, desc.length - BG_CHECKSUM - 2);
            }
            return crc;
        }
        return -1;
    }
}
