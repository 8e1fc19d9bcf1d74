package org.ext4j.core.alloc;

import static org.ext4j.core.disk.GroupDescriptor.BG_BLOCK_BITMAP_CSUM_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_BLOCK_BITMAP_CSUM_LO;
import static org.ext4j.core.disk.GroupDescriptor.BG_CHECKSUM;
import static org.ext4j.core.disk.GroupDescriptor.BG_FLAGS;
import static org.ext4j.core.disk.GroupDescriptor.BG_FREE_BLOCKS_COUNT_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_FREE_BLOCKS_COUNT_LO;
import static org.ext4j.core.disk.GroupDescriptor.BG_FREE_INODES_COUNT_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_FREE_INODES_COUNT_LO;
import static org.ext4j.core.disk.GroupDescriptor.BG_INODE_BITMAP_CSUM_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_INODE_BITMAP_CSUM_LO;
import static org.ext4j.core.disk.GroupDescriptor.BG_ITABLE_UNUSED_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_ITABLE_UNUSED_LO;
import static org.ext4j.core.disk.GroupDescriptor.BG_USED_DIRS_COUNT_HI;
import static org.ext4j.core.disk.GroupDescriptor.BG_USED_DIRS_COUNT_LO;

import java.util.Arrays;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;

/**
 * Changes one group descriptor in place inside a descriptor-table block buffer (a transaction's
 * working copy). The hub's {@link GroupDescriptor} is read-only; this writes the same fields at
 * the same offsets, splitting counts into their _lo and _hi halves (the _hi halves exist only in
 * descriptors of 64 bytes or more).
 */
public final class GroupDescriptorEditor {
    private final byte[] block;
    private final int off;
    private final int size;
    private final long group;

    /** Edits the {@code size}-byte descriptor of {@code group} at {@code off} in {@code block}. */
    public GroupDescriptorEditor(byte[] block, int off, int size, long group) {
        this.block = block;
        this.off = off;
        this.size = size;
        this.group = group;
    }

    /** The descriptor as it now stands. */
    public GroupDescriptor view() {
        return new GroupDescriptor(group, Arrays.copyOfRange(block, off, off + size));
    }

    public void setFreeBlocksCount(long count) {
        put32Split(BG_FREE_BLOCKS_COUNT_LO, BG_FREE_BLOCKS_COUNT_HI, count, "free blocks count");
    }

    public void setFreeInodesCount(long count) {
        put32Split(BG_FREE_INODES_COUNT_LO, BG_FREE_INODES_COUNT_HI, count, "free inodes count");
    }

    public void setUsedDirsCount(long count) {
        put32Split(BG_USED_DIRS_COUNT_LO, BG_USED_DIRS_COUNT_HI, count, "used directories count");
    }

    public void setItableUnused(long count) {
        put32Split(BG_ITABLE_UNUSED_LO, BG_ITABLE_UNUSED_HI, count, "unused inode table count");
    }

    public void setFlags(int flags) {
        LittleEndian.put16(block, off + BG_FLAGS, flags);
    }

    /** Stores a full 32-bit block bitmap checksum (the high half only where the descriptor has room). */
    public void setBlockBitmapChecksum(int crc) {
        LittleEndian.put16(block, off + BG_BLOCK_BITMAP_CSUM_LO, crc);
        if (size >= BG_BLOCK_BITMAP_CSUM_HI + 2) {
            LittleEndian.put16(block, off + BG_BLOCK_BITMAP_CSUM_HI, crc >>> 16);
        }
    }

    public void setInodeBitmapChecksum(int crc) {
        LittleEndian.put16(block, off + BG_INODE_BITMAP_CSUM_LO, crc);
        if (size >= BG_INODE_BITMAP_CSUM_HI + 2) {
            LittleEndian.put16(block, off + BG_INODE_BITMAP_CSUM_HI, crc >>> 16);
        }
    }

    /** Recomputes bg_checksum (metadata_csum or gdt_csum; untouched when neither is on). */
    public void updateChecksum(Superblock sb) {
        int csum = GroupDescriptor.computeChecksum(sb, group, Arrays.copyOfRange(block, off, off + size));
        if (csum >= 0) {
            LittleEndian.put16(block, off + BG_CHECKSUM, csum);
        }
    }

    private void put32Split(int lo, int hi, long value, String what) {
        long max = size >= 64 ? 0xFFFFFFFFL : 0xFFFFL;
        if (value < 0 || value > max) {
            throw new IllegalArgumentException("group " + group + ": " + what + " " + value + " does not fit");
        }
        LittleEndian.put16(block, off + lo, (int) value);
        if (size >= 64) {
            LittleEndian.put16(block, off + hi, (int) (value >>> 16));
        }
    }
}
