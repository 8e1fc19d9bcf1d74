package org.ext4j.core.fs;

import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.spi.CorruptionException;

/**
 * What must hold before anything is written, as the kernel checks it before it mounts
 * read-write (ext4_check_descriptors, ext4_setup_system_zone) and e2fsck before anything else
 * (check_super_block): every descriptor verifies, places its bitmaps and inode table where they
 * may be and counts what fits its group; no two fixed structures share a block. Damage here
 * refuses the read-write open, naming it: writing on top of it could only make it worse.
 */
final class ReadWriteChecks {
    private ReadWriteChecks() {
    }

    /** Throws a CorruptionException that says what is wrong and what to do, or returns. */
    static void require(DiskView fs) {
        try {
            Superblock sb = fs.superblock();
            for (long g = 0; g < sb.groupCount(); g++) {
                checkCounts(fs, fs.group(g));
            }
            SystemZone zone = fs.systemZone();
            if (!zone.problems().isEmpty()) {
                throw new CorruptionException(CorruptionException.Structure.INODE, "fixed metadata is inconsistent: " + zone.problems().get(0)
                        + (zone.problems().size() > 1 ? " (and " + (zone.problems().size() - 1) + " more)" : ""));
            }
        } catch (CorruptionException e) {
            throw new CorruptionException(CorruptionException.Structure.INODE, "cannot open read-write: " + e.getMessage()
                    + "; run e2fsck -f on the image, or open it read-only");
        }
    }

    /**
     * Counts that fit the group, and no "uninitialised" marks where nothing checksums them: the
     * kernel ignores such marks, e2fsck reports them, and every entry written beside them would
     * add a report.
     */
    private static void checkCounts(DiskView fs, GroupDescriptor gd) {
        Superblock sb = fs.superblock();
        long g = gd.group();
        long blocksInGroup = Math.min(sb.blocksPerGroup(), sb.blocksCount() - sb.groupFirstBlock(g));
        long ipg = sb.inodesPerGroup();
        if (gd.freeBlocksCount() > blocksInGroup || gd.freeInodesCount() > ipg || gd.usedDirsCount() > ipg) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group descriptor " + g + ": free blocks " + gd.freeBlocksCount() + ", free inodes "
                    + gd.freeInodesCount() + ", directories " + gd.usedDirsCount() + " do not fit a group of "
                    + blocksInGroup + " blocks and " + ipg + " inodes");
        }
        boolean checksums = fs.hasGroupChecksums();
        boolean uninit = gd.hasFlag(GroupDescriptor.INODE_UNINIT) || gd.hasFlag(GroupDescriptor.BLOCK_UNINIT) || gd.itableUnused() != 0;
        if (!checksums && uninit) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group descriptor " + g + " is marked uninitialised, but the filesystem has no group checksums");
        }
        if (checksums && gd.itableUnused() > gd.freeInodesCount()) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group descriptor " + g + ": " + gd.itableUnused() + " unused inode-table entries but only "
                    + gd.freeInodesCount() + " free inodes");
        }
        // An uninitialised group has nothing in use: its bitmap is made up from the layout on first
        // use, so a flag on a group in use would hand out every block or inode it has.
        if (checksums && gd.hasFlag(GroupDescriptor.INODE_UNINIT) && (gd.freeInodesCount() != ipg || gd.usedDirsCount() != 0)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group descriptor " + g + " says its inodes are uninitialised, but counts "
                    + (ipg - gd.freeInodesCount()) + " in use and " + gd.usedDirsCount() + " directories");
        }
        if (checksums && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
            long free = blocksInGroup - fixedBlocksInGroup(sb, gd);
            if (gd.freeBlocksCount() != free) {
                throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group descriptor " + g + " says its blocks are uninitialised, but counts "
                        + gd.freeBlocksCount() + " free where an uninitialised group has " + free);
            }
        }
    }

    /** The blocks the bitmap of an uninitialised group marks in use: as Bitmaps.synthesizeBlockBitmap marks them. */
    private static long fixedBlocksInGroup(Superblock sb, GroupDescriptor gd) {
        long start = sb.groupFirstBlock(gd.group());
        long end = Math.min(sb.blocksCount(), start + sb.blocksPerGroup());
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
        long n = Math.min(sb.baseMetaBlocks(gd.group()), end - start);
        n += overlap(gd.blockBitmap(), 1, start, end) + overlap(gd.inodeBitmap(), 1, start, end)
                + overlap(gd.inodeTable(), itableBlocks, start, end);
        return n;
    }

    private static long overlap(long first, long count, long start, long end) {
        return Math.max(0, Math.min(first + count, end) - Math.max(first, start));
    }
}
