package org.ext4j.core.fs;

import java.util.TreeSet;
import org.ext4j.core.alloc.Bitmaps;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.inode.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.tx.Transaction;

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
    static void requireReleasable(Ext4FileSystem fs, Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        Superblock sb = fs.superblock();
        TreeSet<Long> groups = new TreeSet<>();
        FileType type = inode.type();
        boolean mapped = !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)
                && (type == FileType.REGULAR || type == FileType.DIRECTORY || type == FileType.SYMLINK && inode.size() >= BlockMap.I_BLOCK_SIZE);
        if (mapped) {
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
        }
        if (inode.fileAcl() != 0) {
            groups.add(sb.groupOfBlock(inode.fileAcl()));
        }
        Bitmaps bitmaps = Bitmaps.of(fs);
        long inodeGroup = (ino - 1) / sb.inodesPerGroup();
        try {
            for (long g : groups) {
                if (fs.errors().isBlockBitmapCorrupt(g)) {
                    throw new CorruptionException("the block bitmap of group " + g + " was found corrupt");
                }
                bitmaps.blockBitmap(tx, g);
            }
            if (fs.errors().isInodeBitmapCorrupt(inodeGroup)) {
                throw new CorruptionException("the inode bitmap of group " + inodeGroup + " was found corrupt");
            }
            bitmaps.inodeBitmap(tx, inodeGroup);
        } catch (CorruptionException e) {
            String message = "inode " + ino + " could not be freed after its last link goes (" + e.getMessage()
                    + "), so the link stays; run e2fsck -f on the image";
            fs.errors().record(ino, 0, "ext4_free_inode", FsErrors.ERR_EFSCORRUPTED, message);
            throw new CorruptionException(message);
        }
    }
}
