package org.ext4j.core.alloc;

import org.ext4j.core.disk.Superblock;

/**
 * The shape of a block group: how many blocks it has, where its superblock backup and
 * descriptor blocks end, how long an inode table is. Which blocks no file may own, over all
 * groups, is the filesystem's {@link org.ext4j.core.view.SystemZone}.
 */
public final class GroupLayout {
    private final Superblock sb;
    private final long itableBlocks;

    public GroupLayout(Superblock sb) {
        this.sb = sb;
        this.itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
    }

    /** Blocks of the inode table of one group. */
    public long inodeTableBlocks() {
        return itableBlocks;
    }

    /** Number of blocks in {@code group} (the last group may be short). */
    public long blocksInGroup(long group) {
        long start = sb.groupFirstBlock(group);
        return Math.min(sb.blocksPerGroup(), sb.blocksCount() - start);
    }

    /** Blocks at the start of {@code group} taken by the superblock backup and descriptor blocks. */
    public long baseMetaBlocks(long group) {
        return sb.baseMetaBlocks(group);
    }
}
