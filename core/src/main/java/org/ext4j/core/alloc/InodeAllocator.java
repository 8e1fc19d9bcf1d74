package org.ext4j.core.alloc;

import java.util.concurrent.atomic.AtomicLong;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.FsErrors;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Allocates and frees inodes. The group is chosen per "unit" — a flex group with flex_bg, else a
 * single group — as the kernel's Orlov allocator does: top-level directories (children of the
 * root) spread over units with above-average free inodes and blocks and the fewest directories;
 * other directories stay near their parent unless it is crowded; files go to their parent's unit.
 * Within the group the lowest free inode is taken, never one below s_first_ino, and never one
 * whose record says it is in use (a group whose bitmap lies is skipped, see {@link #tryGroup}).
 */
public final class InodeAllocator {
    private final GroupAccounting accounting;
    private final DiskView fs;
    private final Superblock sb;
    private final GroupTable groups;
    private final long unitSize;
    private final AtomicLong topLevelCursor = new AtomicLong();

    public InodeAllocator(GroupAccounting accounting) {
        this.accounting = accounting;
        this.fs = accounting.fileSystem();
        this.sb = fs.superblock();
        this.groups = accounting.groups();
        long flex = 1;
        if (sb.hasIncompat(Features.INCOMPAT_FLEX_BG) && sb.logGroupsPerFlex() < 31) {
            flex = Math.min(1L << sb.logGroupsPerFlex(), sb.groupCount());
        }
        this.unitSize = flex;
    }

    /** Per-unit sums of the descriptor counters, as a transaction sees them. */
    private record UnitStats(long[] freeInodes, long[] freeBlocks, long[] usedDirs, long totalFreeInodes,
                             long totalFreeBlocks, long totalDirs) {
    }

    /**
     * Allocates an inode for a new file or directory whose parent directory is {@code parentIno},
     * marks it in use in {@code tx} (its record zeroed) and returns its number. ENOSPC when no
     * inode is free.
     */
    public long allocate(Transaction tx, long parentIno, boolean directory) {
        if (parentIno < 1 || parentIno > sb.inodesCount()) {
            throw new IllegalArgumentException("parent inode " + parentIno + " is out of range");
        }
        if (accounting.superblockEditor().freeInodesCount(tx) == 0) {
            throw new Ext4Exception(Errno.ENOSPC, "no free inodes left");
        }
        if (sb.groupCount() > Integer.MAX_VALUE / 8) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "too many block groups (" + sb.groupCount() + ") for the inode allocator");
        }
        long parentGroup = (parentIno - 1) / sb.inodesPerGroup();
        UnitStats stats = stats(tx);
        long unit;
        if (directory && parentIno == Inode.ROOT_INO) {
            unit = orlovTopLevel(stats);
        } else if (directory) {
            unit = orlovSubdirectory(stats, parentGroup / unitSize);
        } else {
            unit = nearParent(stats, parentGroup / unitSize);
        }
        long ino = -1;
        if (unit >= 0) {
            long first = unit * unitSize;
            long start = parentGroup / unitSize == unit ? parentGroup : first;
            long n = Math.min(unitSize, sb.groupCount() - first);
            for (long i = 0; i < n && ino < 0; i++) {
                ino = tryGroup(tx, first + (start - first + i) % n);
            }
        }
        // The counters led nowhere (or lie): take the first free inode anywhere.
        for (long i = 0; i < sb.groupCount() && ino < 0; i++) {
            ino = tryGroup(tx, (parentGroup + i) % sb.groupCount());
        }
        if (ino < 0) {
            throw new Ext4Exception(Errno.ENOSPC, "no free inodes left (the bitmaps have none)");
        }
        accounting.markInodeUsed(tx, ino, directory);
        return ino;
    }

    /** Frees inode {@code ino} ({@code directory}: it was a directory, counted in bg_used_dirs_count). */
    public void free(Transaction tx, long ino, boolean directory) {
        accounting.markInodeFree(tx, ino, directory);
    }

    /**
     * The lowest free inode of {@code group} at or above s_first_ino, or -1. The bitmap is not
     * trusted blindly, as the kernel's __ext4_new_inode does not trust it: a bitmap that fails its
     * checks, shows a reserved inode free, or shows free an inode whose record is still in use
     * makes the group corrupt for the rest of the mount (recorded as an error), and -1.
     */
    private long tryGroup(Transaction tx, long group) {
        FsErrors errors = fs.errors();
        if (errors.isInodeBitmapCorrupt(group)) {
            return -1;
        }
        GroupDescriptor gd = groups.descriptor(tx, group);
        if (gd.freeInodesCount() == 0) {
            return -1;
        }
        long ipg = sb.inodesPerGroup();
        long minIndex = Math.max(0, sb.firstIno() - 1 - group * ipg);
        if (minIndex >= ipg) {
            return -1;
        }
        byte[] map;
        try {
            map = accounting.currentInodeBitmap(tx, group);
        } catch (CorruptionException e) {
            errors.inodeBitmapCorrupt(group, 0, e.getMessage());
            return -1;
        }
        long reservedFree = minIndex > 0 ? Bitmap.nextClear(map, 0, minIndex) : -1;
        if (reservedFree >= 0) {
            errors.inodeBitmapCorrupt(group, group * ipg + reservedFree + 1, "inode bitmap of group " + group
                    + ": reserved inode " + (group * ipg + reservedFree + 1) + " is marked free");
            return -1;
        }
        long index = Bitmap.nextClear(map, minIndex, ipg);
        if (index < 0) {
            return -1;
        }
        long ino = group * ipg + index + 1;
        if (recordInUse(tx, gd, index, ino)) {
            errors.inodeBitmapCorrupt(group, ino, "inode bitmap of group " + group + ": inode " + ino
                    + " is marked free but its record is in use");
            return -1;
        }
        return ino;
    }

    /**
     * True when the on-disk record of inode {@code ino} (index {@code index} of its group) says it
     * is in use, as e2fsck reads it: links, or a mode without a deletion time. Records in the part
     * of the table that was never initialised hold whatever was on the disk and are not looked at;
     * the checksum is not verified (a free inode's record need not be valid).
     */
    private boolean recordInUse(Transaction tx, GroupDescriptor gd, long index, long ino) {
        long ipg = sb.inodesPerGroup();
        if (fs.hasGroupChecksums() && (gd.hasFlag(GroupDescriptor.INODE_UNINIT) || index >= ipg - Math.min(ipg, gd.itableUnused()))) {
            return false;
        }
        DiskView.InodeLocation at = fs.inodeLocation(ino, tx);
        byte[] block = tx.readShared(at.block());
        int links = LittleEndian.u16(block, at.offset() + Inode.I_LINKS_COUNT);
        int mode = LittleEndian.u16(block, at.offset() + Inode.I_MODE);
        long dtime = LittleEndian.u32(block, at.offset() + Inode.I_DTIME);
        return links > 0 || (mode != 0 && dtime == 0);
    }

    private UnitStats stats(Transaction tx) {
        int units = (int) ((sb.groupCount() + unitSize - 1) / unitSize);
        long[] freeInodes = new long[units];
        long[] freeBlocks = new long[units];
        long[] usedDirs = new long[units];
        long ti = 0;
        long tb = 0;
        long td = 0;
        final int chunk = 1024;
        for (long first = 0; first < sb.groupCount(); first += chunk) {
            int n = (int) Math.min(chunk, sb.groupCount() - first);
            for (GroupDescriptor gd : groups.descriptors(tx, first, n)) {
                int u = (int) (gd.group() / unitSize);
                freeInodes[u] += gd.freeInodesCount();
                freeBlocks[u] += gd.freeBlocksCount();
                usedDirs[u] += gd.usedDirsCount();
                ti += gd.freeInodesCount();
                tb += gd.freeBlocksCount();
                td += gd.usedDirsCount();
            }
        }
        return new UnitStats(freeInodes, freeBlocks, usedDirs, ti, tb, td);
    }

    /** A unit with at least average free inodes and blocks and the fewest directories, from a rotating start. */
    private long orlovTopLevel(UnitStats s) {
        int units = s.freeInodes.length;
        long avgInodes = s.totalFreeInodes / units;
        long avgBlocks = s.totalFreeBlocks / units;
        long start = Math.floorMod(topLevelCursor.getAndIncrement(), units);
        long best = -1;
        for (int i = 0; i < units; i++) {
            int u = (int) ((start + i) % units);
            if (s.freeInodes[u] == 0 || s.freeInodes[u] < avgInodes || s.freeBlocks[u] < avgBlocks) {
                continue;
            }
            if (best < 0 || s.usedDirs[u] < s.usedDirs[(int) best]) {
                best = u;
            }
        }
        return best >= 0 ? best : orlovSubdirectory(s, 0);
    }

    /** The parent's unit or the next one that is not crowded with directories and still has room. */
    private long orlovSubdirectory(UnitStats s, long parentUnit) {
        int units = s.freeInodes.length;
        long avgInodes = s.totalFreeInodes / units;
        long maxDirs = s.totalDirs / units + sb.inodesPerGroup() * unitSize / 16;
        long minInodes = Math.max(1, avgInodes - sb.inodesPerGroup() * unitSize / 4);
        long minBlocks = Math.max(0, s.totalFreeBlocks / units - sb.blocksPerGroup() * unitSize / 4);
        for (int i = 0; i < units; i++) {
            int u = (int) ((parentUnit + i) % units);
            if (s.usedDirs[u] < maxDirs && s.freeInodes[u] >= minInodes && s.freeBlocks[u] >= minBlocks) {
                return u;
            }
        }
        for (int i = 0; i < units; i++) {
            int u = (int) ((parentUnit + i) % units);
            if (s.freeInodes[u] > 0 && s.freeInodes[u] >= avgInodes) {
                return u;
            }
        }
        return nearParent(s, parentUnit);
    }

    /** The parent's unit if it has free inodes and blocks, else the next that has, else the next with free inodes. */
    private long nearParent(UnitStats s, long parentUnit) {
        int units = s.freeInodes.length;
        for (int i = 0; i < units; i++) {
            int u = (int) ((parentUnit + i) % units);
            if (s.freeInodes[u] > 0 && s.freeBlocks[u] > 0) {
                return u;
            }
        }
        for (int i = 0; i < units; i++) {
            int u = (int) ((parentUnit + i) % units);
            if (s.freeInodes[u] > 0) {
                return u;
            }
        }
        return -1;
    }
}
