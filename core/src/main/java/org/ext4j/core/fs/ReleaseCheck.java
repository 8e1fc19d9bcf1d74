package org.ext4j.core.fs;

import java.util.TreeSet;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.alloc.Bitmaps;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.XattrBlock;

/**
 * Whether an inode that loses its last link now, but is freed only later (it is open, or the
 * kernel still holds it), can be freed at all: every group its blocks, its xattr block and the
 * inode itself belong to must have bitmaps that pass their checks. If one does not, the freeing
 * would fail after the name is gone and leave an orphan nothing can free (e2fsck then finds a
 * deleted inode with no dtime); the unlink is refused instead and nothing changes. An unlink
 * that frees at once needs no such check: its own transaction fails whole.
 */
final class ReleaseCheck {
    private ReleaseCheck() {
    }

    /** Throws a CorruptionException (recorded as an error) when inode {@code ino} could not be freed later. */
    static void requireReleasable(DiskView fs, Transaction tx, long ino) {
        try {
            Inode inode = InodeStore.read(tx, ino);
            TreeSet<Long> groups = groupsOfBlocks(fs, inode);
            if (inode.fileAcl() != 0) {
                // Freeing drops a reference to the xattr block: it must read (header, checksum, place).
                XattrBlock.read(fs, tx, inode);
                groups.add(fs.superblock().groupOfBlock(inode.fileAcl()));
            }
            checkBitmaps(fs, tx, groups, (ino - 1) / fs.superblock().inodesPerGroup());
        } catch (CorruptionException e) {
            throw fs.errors().corruption(e.structure(), ino, e.block(), "ext4_free_inode", "inode " + ino + " could not be freed after its last link goes ("
                    + e.getMessage() + "), so the link stays; run e2fsck -f on the image");
        }
    }

    /** The groups holding the inode's blocks, found by walking its map (which checks every node on the way). */
    private static TreeSet<Long> groupsOfBlocks(DiskView fs, Inode inode) {
        Superblock sb = fs.superblock();
        TreeSet<Long> groups = new TreeSet<>();
        FileType type = inode.type();
        boolean mapped = !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)
                && (type == FileType.REGULAR || type == FileType.DIRECTORY || type == FileType.SYMLINK && inode.size() >= BlockMap.I_BLOCK_SIZE);
        if (!mapped) {
            return groups;
        }
        BlockMap map = BlockMap.of(fs, inode);
        long lblk = 0;
        // Each step ends at a mapped run or a hole, so the walk is as long as the file has extents.
        while (lblk < BlockMap.LBLK_LIMIT) {
            Mapping m = map.map(lblk, BlockMap.LBLK_LIMIT - lblk);
            if (m.kind() != Mapping.Kind.HOLE) {
                for (long g = sb.groupOfBlock(m.pblk()); g <= sb.groupOfBlock(m.pblk() + m.length() - 1); g++) {
                    groups.add(g);
                }
            }
            lblk += m.length();
        }
        return groups;
    }

    /** Checks the block bitmaps of {@code groups} and the inode bitmap of {@code inodeGroup}. */
    private static void checkBitmaps(DiskView fs, Transaction tx, TreeSet<Long> groups, long inodeGroup) {
        Bitmaps bitmaps = Bitmaps.of(fs);
        for (long g : groups) {
            if (fs.errors().isBlockBitmapCorrupt(g)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_BITMAP, "the block bitmap of group " + g + " was found corrupt");
            }
            bitmaps.sharedBlockBitmap(tx, g);
        }
        if (fs.errors().isInodeBitmapCorrupt(inodeGroup)) {
            throw new CorruptionException(CorruptionException.Structure.INODE_BITMAP, "the inode bitmap of group " + inodeGroup + " was found corrupt");
        }
        bitmaps.sharedInodeBitmap(tx, inodeGroup);
    }
}
