package org.ext4j.core.fs;

import java.io.IOException;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Sets the superblock's s_free_blocks_count and s_free_inodes_count to the sums of the group
 * descriptors' counts, as the kernel's mount does (ext4_count_free_clusters and
 * ext4_count_free_inodes seed its per-cpu counters, and commit_super writes the sums back).
 * The kernel never journals these two counts with the descriptors they summarise: the superblock
 * a journal replay restores is as old as the last transaction that touched it for another
 * reason, while the descriptors are current. Reading every descriptor scales with the size of
 * the filesystem, so this runs only where the kernel's would matter: a read-write open after a
 * replay.
 */
final class FreeCountSums {
    private FreeCountSums() {
    }

    /**
     * Sums the descriptors of {@code fs} and writes the superblock on {@code device} (the device
     * {@code fs} reads) when its counts differ; returns true if it wrote.
     */
    static boolean write(DiskView fs, BlockDevice device) {
        Superblock sb = fs.superblock();
        long freeBlocks = 0;
        long freeInodes = 0;
        for (long g = 0; g < sb.groupCount(); g++) {
            GroupDescriptor gd = fs.group(g);
            freeBlocks += gd.freeBlocksCount();
            freeInodes += gd.freeInodesCount();
        }
        if (freeBlocks == sb.freeBlocksCount() && freeInodes == sb.freeInodesCount()) {
            return false;
        }
        try {
            byte[] raw = device.read(Superblock.OFFSET, Superblock.SIZE);
            LittleEndian.put32(raw, Superblock.S_FREE_BLOCKS_COUNT_LO, freeBlocks);
            if (sb.is64Bit()) {
                LittleEndian.put32(raw, Superblock.S_FREE_BLOCKS_COUNT_HI, freeBlocks >>> 32);
            }
            LittleEndian.put32(raw, Superblock.S_FREE_INODES_COUNT, freeInodes);
            if (sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM)) {
                LittleEndian.put32(raw, Superblock.S_CHECKSUM, Superblock.computeChecksum(raw));
            }
            device.write(Superblock.OFFSET, raw, 0, raw.length);
            device.flush();
            return true;
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "writing the superblock's free counts failed: " + e.getMessage(), e);
        }
    }
}
