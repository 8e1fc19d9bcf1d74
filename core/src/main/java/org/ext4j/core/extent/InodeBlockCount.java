package org.ext4j.core.extent;

import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * i_blocks as the write path keeps it: 512-byte units in i_blocks_lo, i_blocks_high with
 * huge_file, and file-system-block units once EXT4_HUGE_FILE_FL is needed (past 2^48 - 1 sectors).
 */
final class InodeBlockCount {
    private static final long MAX_32 = 0xFFFF_FFFFL;
    private static final long MAX_48 = (1L << 48) - 1;

    private InodeBlockCount() {
    }

    /** i_blocks of {@code raw} in 512-byte units. */
    static long get(byte[] raw, boolean hugeFile, int blockSize) {
        long blocks = LittleEndian.u32(raw, Inode.I_BLOCKS_LO);
        if (hugeFile) {
            blocks |= (long) LittleEndian.u16(raw, Inode.I_BLOCKS_HIGH) << 32;
            if ((LittleEndian.s32(raw, Inode.I_FLAGS) & InodeFlags.EXT4_HUGE_FILE_FL) != 0) {
                blocks *= blockSize / 512;
            }
        }
        return blocks;
    }

    /**
     * Adds {@code fsBlocks} filesystem blocks (negative to remove) to i_blocks in {@code raw}.
     *
     * @throws Ext4Exception EFBIG when the count no longer fits without huge_file
     */
    static void add(byte[] raw, long ino, boolean hugeFile, int blockSize, long fsBlocks) {
        if (fsBlocks == 0) {
            return;
        }
        long sectors = get(raw, hugeFile, blockSize) + fsBlocks * (blockSize / 512);
        if (sectors < 0) {
            throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK, "inode " + ino + ": i_blocks counts fewer blocks than the inode frees");
        }
        int flags = LittleEndian.s32(raw, Inode.I_FLAGS);
        long stored;
        if (sectors <= MAX_32) {
            stored = sectors;
            flags &= ~InodeFlags.EXT4_HUGE_FILE_FL;
        } else if (!hugeFile) {
            throw new Ext4Exception(Errno.EFBIG, "inode " + ino + " would use " + sectors
                    + " sectors, more than i_blocks holds without huge_file");
        } else if (sectors <= MAX_48) {
            stored = sectors;
            flags &= ~InodeFlags.EXT4_HUGE_FILE_FL;
        } else {
            stored = sectors / (blockSize / 512);
            flags |= InodeFlags.EXT4_HUGE_FILE_FL;
        }
        LittleEndian.put32(raw, Inode.I_BLOCKS_LO, (int) stored);
        if (hugeFile) {
            LittleEndian.put16(raw, Inode.I_BLOCKS_HIGH, (int) (stored >>> 32));
        }
        LittleEndian.put32(raw, Inode.I_FLAGS, flags);
    }

    /** True when the filesystem has huge_file. */
    static boolean hugeFile(org.ext4j.core.disk.Superblock sb) {
        return sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE);
    }
}
