package org.ext4j.core.alloc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.tx.BlockReader;

/**
 * Where a block group's fixed metadata is: the superblock backup, descriptor table and reserved
 * descriptor blocks at its start, and the bitmaps and inode tables placed in it (its own, or with
 * flex_bg those of its whole flex group). The allocators use it to refuse ever handing out or
 * freeing a metadata block, even when a bitmap claims it is free.
 */
public final class GroupLayout {
    /** With flex_bg, how many groups' metadata we look for in one group at most. */
    private static final long MAX_FLEX_SCAN = 1 << 16;

    private final Superblock sb;
    private final GroupTable groups;
    private final long itableBlocks;
    private final ConcurrentHashMap<Long, long[]> systemZones = new ConcurrentHashMap<>();

    public GroupLayout(Superblock sb, GroupTable groups) {
        this.sb = sb;
        this.groups = groups;
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

    /**
     * Blocks at the start of {@code group} taken by the superblock backup, the group descriptor
     * table and the reserved descriptor blocks (or, past s_first_meta_bg, the meta_bg descriptor
     * block copies in the first, second and last group of each metagroup).
     */
    public long baseMetaBlocks(long group) {
        boolean hasSuper = sb.groupHasSuper(group);
        long n = hasSuper ? 1 : 0;
        long perBlock = sb.descsPerBlock();
        boolean metaBg = sb.hasIncompat(Features.INCOMPAT_META_BG);
        if (!metaBg || group / perBlock < sb.firstMetaBg()) {
            if (hasSuper) {
                long gdtBlocks = metaBg ? sb.firstMetaBg() : (sb.groupCount() + perBlock - 1) / perBlock;
                n += gdtBlocks + sb.reservedGdtBlocks();
            }
        } else {
            long index = group % perBlock;
            if (index == 0 || index == 1 || index == perBlock - 1) {
                n += 1;
            }
        }
        return n;
    }

    /** True when {@code pblk} lies in {@code group}. */
    public boolean inGroup(long pblk, long group) {
        long start = sb.groupFirstBlock(group);
        return pblk >= start && pblk < start + blocksInGroup(group);
    }

    /**
     * The fixed metadata ranges inside {@code group} as {start, end) pairs, end exclusive: the base
     * metadata, and the bitmaps and inode tables of the groups of its flex group (only its own
     * without flex_bg) that fall inside it. Computed once per group.
     */
    public long[] systemZone(BlockReader src, long group) {
        long[] zone = systemZones.get(group);
        if (zone == null) {
            zone = computeSystemZone(src, group);
            systemZones.putIfAbsent(group, zone);
        }
        return zone;
    }

    /** True when {@code pblk} is fixed metadata of its group (or outside every group). */
    public boolean isSystemBlock(BlockReader src, long pblk) {
        if (pblk <= sb.firstDataBlock() || pblk >= sb.blocksCount()) {
            return true;
        }
        long[] zone = systemZone(src, sb.groupOfBlock(pblk));
        for (int i = 0; i < zone.length; i += 2) {
            if (pblk >= zone[i] && pblk < zone[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private long[] computeSystemZone(BlockReader src, long group) {
        List<long[]> ranges = new ArrayList<>();
        long start = sb.groupFirstBlock(group);
        long base = baseMetaBlocks(group);
        if (base > 0) {
            ranges.add(new long[] {start, start + Math.min(base, blocksInGroup(group))});
        }
        long first = group;
        long count = 1;
        if (sb.hasIncompat(Features.INCOMPAT_FLEX_BG) && sb.logGroupsPerFlex() < 32) {
            long flex = 1L << sb.logGroupsPerFlex();
            first = group / flex * flex;
            count = Math.min(Math.min(flex, MAX_FLEX_SCAN), groups.groupCount() - first);
        }
        for (GroupDescriptor gd : groups.descriptors(src, first, (int) count)) {
            addIfInside(ranges, group, gd.blockBitmap(), 1);
            addIfInside(ranges, group, gd.inodeBitmap(), 1);
            addIfInside(ranges, group, gd.inodeTable(), itableBlocks);
        }
        if (group >= first + count) {
            // The flex group was too large to scan whole; the group's own metadata still counts.
            GroupDescriptor own = groups.descriptor(src, group);
            addIfInside(ranges, group, own.blockBitmap(), 1);
            addIfInside(ranges, group, own.inodeBitmap(), 1);
            addIfInside(ranges, group, own.inodeTable(), itableBlocks);
        }
        long[] zone = new long[ranges.size() * 2];
        for (int i = 0; i < ranges.size(); i++) {
            zone[2 * i] = ranges.get(i)[0];
            zone[2 * i + 1] = ranges.get(i)[1];
        }
        return zone;
    }

    private void addIfInside(List<long[]> ranges, long group, long first, long count) {
        long start = sb.groupFirstBlock(group);
        long end = start + blocksInGroup(group);
        long lo = Math.max(first, start);
        long hi = Math.min(first + count, end);
        if (lo < hi) {
            ranges.add(new long[] {lo, hi});
        }
    }
}
