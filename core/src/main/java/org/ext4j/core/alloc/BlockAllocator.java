package org.ext4j.core.alloc;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.FsErrors;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Allocates and frees data blocks. An allocation searches first-fit from a goal block (the block
 * after the file's last block, or {@link #goalForInode}), group by group with wrap-around, and
 * returns the runs it found: one run when the space after the goal is contiguous. It never hands
 * out fixed metadata: a group whose bitmap claims such a block free is recorded as corrupt and
 * skipped, as the kernel does. It changes nothing when there is not enough space (ENOSPC).
 */
public final class BlockAllocator {
    /** With at least this many groups per flex group, regular files start one group after directories (as the kernel does). */
    private static final int FLEX_SIZE_DIR_ALLOC_SCHEME = 4;

    private final GroupAccounting accounting;
    private final Superblock sb;
    private final GroupTable groups;
    private final GroupLayout layout;
    private final DiskView fs;

    public BlockAllocator(GroupAccounting accounting) {
        this.accounting = accounting;
        this.fs = accounting.fileSystem();
        this.sb = accounting.fileSystem().superblock();
        this.groups = accounting.groups();
        this.layout = accounting.layout();
    }

    /**
     * The goal for a file that has no blocks yet: the start of its inode's group or, with flex_bg,
     * of its flex group (the group after it for regular files, leaving the first for directories).
     */
    public long goalForInode(long ino, boolean regularFile) {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new IllegalArgumentException("inode " + ino + " is out of range");
        }
        long group = (ino - 1) / sb.inodesPerGroup();
        if (sb.hasIncompat(Features.INCOMPAT_FLEX_BG) && sb.logGroupsPerFlex() < 32) {
            long flex = 1L << sb.logGroupsPerFlex();
            if (flex >= FLEX_SIZE_DIR_ALLOC_SCHEME) {
                group = group / flex * flex;
                if (regularFile && group + 1 < sb.groupCount()) {
                    group++;
                }
            }
        }
        return sb.groupFirstBlock(group);
    }

    /**
     * Allocates {@code count} blocks, searching from {@code goal}, and marks them in use in
     * {@code tx}. Without {@code mayUseReserved} (callers other than root or s_def_resuid/resgid),
     * the s_r_blocks_count reserved blocks stay untouched. Throws ENOSPC, changing nothing, when
     * there is not enough free space. On any other exception the transaction must be aborted.
     *
     * @return the allocated runs in allocation order, adjacent runs merged
     */
    public List<BlockRun> allocate(Transaction tx, long goal, long count, boolean mayUseReserved) {
        if (count < 1) {
            throw new IllegalArgumentException("block count must be positive: " + count);
        }
        long free = accounting.superblockEditor().freeBlocksCount(tx);
        long reserved = mayUseReserved ? 0 : sb.reservedBlocksCount();
        if (count > free - reserved) {
            throw new Ext4Exception(Errno.ENOSPC, "no space left: " + count + " block(s) wanted, " + free + " free"
                    + (reserved > 0 ? " of which " + reserved + " are reserved for root" : ""));
        }
        if (goal <= sb.firstDataBlock() || goal >= sb.blocksCount()) {
            goal = sb.firstDataBlock() + 1;
        }
        long goalGroup = sb.groupOfBlock(goal);
        long goalOffset = goal - sb.groupFirstBlock(goalGroup);
        List<BlockRun> plan = new ArrayList<>();
        long remaining = scan(tx, goalGroup, goalOffset, count, plan);
        if (remaining > 0 && tx.releaseDeferredFrees()) {
            // Blocks freed by the running transaction were held back; it is written now, so they count.
            plan.clear();
            remaining = scan(tx, goalGroup, goalOffset, count, plan);
        }
        if (remaining > 0) {
            throw new Ext4Exception(Errno.ENOSPC, "no space left: the bitmaps hold " + (count - remaining)
                    + " free block(s), fewer than the " + free + " the superblock counts and the " + count + " wanted");
        }
        for (BlockRun run : plan) {
            accounting.markBlocksUsed(tx, run.start(), run.length());
        }
        return merge(plan);
    }

    /** Frees {@code count} blocks from {@code pblk} (they may span groups); freeing fixed metadata or a free block is corruption. */
    public void free(Transaction tx, long pblk, long count) {
        if (count < 1 || pblk <= sb.firstDataBlock() || pblk > sb.blocksCount() - count) {
            throw new CorruptionException(CorruptionException.Structure.SYSTEM_ZONE, CorruptionException.NO_INODE, pblk, "freeing blocks " + pblk + " (+" + count + "): not data blocks of the filesystem");
        }
        if (!fs.systemZone().isClear(pblk, count)) {
            throw fs.blockError(CorruptionException.NO_INODE, pblk, count, "freeing blocks");
        }
        long b = pblk;
        long end = pblk + count;
        while (b < end) {
            long group = sb.groupOfBlock(b);
            long groupEnd = Math.min(end, sb.groupFirstBlock(group) + layout.blocksInGroup(group));
            accounting.markBlocksFree(tx, b, groupEnd - b);
            b = groupEnd;
        }
    }

    /** Plans up to {@code count} blocks over all groups from the goal; returns what could not be found. */
    private long scan(Transaction tx, long goalGroup, long goalOffset, long count, List<BlockRun> plan) {
        long remaining = count;
        long groupCount = sb.groupCount();
        for (long i = 0; i < groupCount && remaining > 0; i++) {
            long g = (goalGroup + i) % groupCount;
            remaining = scanGroup(tx, g, i == 0 ? goalOffset : 0, layout.blocksInGroup(g), remaining, plan);
        }
        if (remaining > 0 && goalOffset > 0) {
            remaining = scanGroup(tx, goalGroup, 0, goalOffset, remaining, plan);
        }
        return remaining;
    }

    /**
     * Collects free runs of group {@code group} between bit {@code from} and {@code to} into
     * {@code plan}, up to {@code remaining} blocks; returns what is still wanted. A group whose
     * bitmap fails its checks, or marks fixed metadata free, is recorded as corrupt and skipped
     * for the rest of the mount (the kernel's EXT4_GROUP_INFO_BBITMAP_CORRUPT): the allocation
     * goes on in other groups.
     */
    private long scanGroup(Transaction tx, long group, long from, long to, long remaining, List<BlockRun> plan) {
        FsErrors errors = fs.errors();
        if (errors.isBlockBitmapCorrupt(group)) {
            return remaining;
        }
        GroupDescriptor gd = groups.descriptor(tx, group);
        if (gd.freeBlocksCount() == 0) {
            return remaining;
        }
        byte[] map;
        try {
            map = accounting.currentBlockBitmap(tx, group);
        } catch (CorruptionException e) {
            errors.blockBitmapCorrupt(group, gd.blockBitmap(), e.getMessage());
            return remaining;
        }
        SystemZone zone = fs.systemZone();
        long base = sb.groupFirstBlock(group);
        tx.maskDeferredFrees(map, base, layout.blocksInGroup(group));
        int planned = plan.size();
        long wanted = remaining;
        long bit = from;
        while (remaining > 0 && bit < to) {
            long start = Bitmap.nextClear(map, bit, to);
            if (start < 0) {
                break;
            }
            long end = Bitmap.nextSet(map, start, Math.min(to, start + remaining));
            if (!zone.isClear(base + start, end - start)) {
                errors.blockBitmapCorrupt(group, gd.blockBitmap(), "block bitmap of group " + group + " (block "
                        + gd.blockBitmap() + ") marks fixed metadata free among blocks " + (base + start) + ".." + (base + end - 1));
                plan.subList(planned, plan.size()).clear();
                return wanted;
            }
            plan.add(new BlockRun(base + start, end - start));
            remaining -= end - start;
            bit = end;
        }
        return remaining;
    }

    private static List<BlockRun> merge(List<BlockRun> runs) {
        List<BlockRun> out = new ArrayList<>();
        for (BlockRun r : runs) {
            BlockRun last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.end() == r.start()) {
                out.set(out.size() - 1, new BlockRun(last.start(), last.length() + r.length()));
            } else {
                out.add(r);
            }
        }
        return out;
    }
}
