package org.ext4j.core.alloc;

import static org.ext4j.core.disk.Superblock.S_CHECKSUM;
import static org.ext4j.core.disk.Superblock.S_FREE_BLOCKS_COUNT_HI;
import static org.ext4j.core.disk.Superblock.S_FREE_BLOCKS_COUNT_LO;
import static org.ext4j.core.disk.Superblock.S_FEATURE_RO_COMPAT;
import static org.ext4j.core.disk.Superblock.S_FREE_INODES_COUNT;
import static org.ext4j.core.disk.Superblock.S_LAST_ORPHAN;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * Changes the primary superblock's free counters, orphan list head and RO_COMPAT bits through a
 * transaction and keeps its checksum current. The superblock is 1024 bytes at byte 1024: block 1 with 1 KiB blocks, else the second
 * KiB of block 0. Backup superblocks are left alone, as the kernel does for these counters.
 */
public final class SuperblockEditor {
    private final Superblock sb;
    private final long block;
    private final int off;

    public SuperblockEditor(Superblock sb) {
        this.sb = sb;
        this.block = Superblock.OFFSET / sb.blockSize();
        this.off = Superblock.OFFSET % sb.blockSize();
    }

    /** The block that holds the primary superblock. */
    public long block() {
        return block;
    }

    /** The superblock's raw 1024 bytes as {@code src} sees them. */
    public byte[] raw(BlockReader src) {
        return Arrays.copyOfRange(src.readShared(block), off, off + Superblock.SIZE);
    }

    /** s_free_blocks_count as {@code src} sees it. */
    public long freeBlocksCount(BlockReader src) {
        byte[] b = src.readShared(block);
        return LittleEndian.u32(b, off + S_FREE_BLOCKS_COUNT_LO)
                | (sb.is64Bit() ? LittleEndian.u32(b, off + S_FREE_BLOCKS_COUNT_HI) << 32 : 0);
    }

    /** s_free_inodes_count as {@code src} sees it. */
    public long freeInodesCount(BlockReader src) {
        return LittleEndian.u32(src.readShared(block), off + S_FREE_INODES_COUNT);
    }

    /** Adds {@code delta} to s_free_blocks_count (clamped at 0 and the block count, as counters may have drifted). */
    public void addFreeBlocks(Transaction tx, long delta) {
        byte[] b = tx.getWriteAccess(block, BlockRole.SUPERBLOCK);
        long now = LittleEndian.u32(b, off + S_FREE_BLOCKS_COUNT_LO)
                | (sb.is64Bit() ? LittleEndian.u32(b, off + S_FREE_BLOCKS_COUNT_HI) << 32 : 0);
        long next = Math.max(0, Math.min(sb.blocksCount(), now + delta));
        LittleEndian.put32(b, off + S_FREE_BLOCKS_COUNT_LO, next);
        if (sb.is64Bit()) {
            LittleEndian.put32(b, off + S_FREE_BLOCKS_COUNT_HI, next >>> 32);
        }
        finish(tx, b);
    }

    /** Adds {@code delta} to s_free_inodes_count (clamped at 0 and the inode count). */
    public void addFreeInodes(Transaction tx, long delta) {
        byte[] b = tx.getWriteAccess(block, BlockRole.SUPERBLOCK);
        long now = LittleEndian.u32(b, off + S_FREE_INODES_COUNT);
        LittleEndian.put32(b, off + S_FREE_INODES_COUNT, Math.max(0, Math.min(sb.inodesCount(), now + delta)));
        finish(tx, b);
    }

    /** s_last_orphan, the head of the classic orphan list, as {@code src} sees it (0: empty). */
    public long lastOrphan(BlockReader src) {
        return LittleEndian.u32(src.readShared(block), off + S_LAST_ORPHAN);
    }

    /** Sets s_last_orphan, the head of the classic orphan list. */
    public void setLastOrphan(Transaction tx, long ino) {
        byte[] b = tx.getWriteAccess(block, BlockRole.SUPERBLOCK);
        LittleEndian.put32(b, off + S_LAST_ORPHAN, ino);
        finish(tx, b);
    }

    /** s_feature_ro_compat as {@code src} sees it. */
    public int roCompat(BlockReader src) {
        return (int) LittleEndian.u32(src.readShared(block), off + S_FEATURE_RO_COMPAT);
    }

    /** Sets the RO_COMPAT feature bits {@code bits} (orphan_present before the orphan file takes an entry). */
    public void setRoCompat(Transaction tx, int bits) {
        byte[] b = tx.getWriteAccess(block, BlockRole.SUPERBLOCK);
        LittleEndian.put32(b, off + S_FEATURE_RO_COMPAT, LittleEndian.u32(b, off + S_FEATURE_RO_COMPAT) | (bits & 0xffffffffL));
        finish(tx, b);
    }

    /** Clears the RO_COMPAT feature bits {@code bits} (orphan_present once the orphan file is empty). */
    public void clearRoCompat(Transaction tx, int bits) {
        byte[] b = tx.getWriteAccess(block, BlockRole.SUPERBLOCK);
        LittleEndian.put32(b, off + S_FEATURE_RO_COMPAT, LittleEndian.u32(b, off + S_FEATURE_RO_COMPAT) & ~(bits & 0xffffffffL));
        finish(tx, b);
    }

    private void finish(Transaction tx, byte[] b) {
        if (sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM)) {
            LittleEndian.put32(b, off + S_CHECKSUM, Superblock.computeChecksum(b, off));
        }
        tx.markDirty(block);
    }
}
