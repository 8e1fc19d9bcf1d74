package org.ext4j.core.extent;

import java.util.HashSet;
import java.util.Set;
import org.ext4j.core.extent.ExtentPath.Node;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * FALLOC_FL_COLLAPSE_RANGE and FALLOC_FL_INSERT_RANGE on a tree: the extents past a point move
 * down or up by a number of logical blocks, with the index keys above them; physical blocks stay
 * where they are. Extents of one leaf that become contiguous merge, as the kernel's shift merges
 * them.
 */
final class ExtentShift {
    private ExtentShift() {
    }

    /** Frees [lblk, lblk + count) and moves every later extent down by {@code count}. */
    static void collapse(ExtentTreeEdit edit, long lblk, long count) {
        ExtentRemoval.unmap(edit, lblk, lblk + count, true);
        shift(edit, lblk + count, -count);
    }

    /** Moves every extent at or after {@code lblk} up by {@code count}, leaving a hole there. */
    static void insert(ExtentTreeEdit edit, long lblk, long count) {
        long lastEnd = edit.lastExtentEnd();
        if (lastEnd > lblk && count > ExtentTreeEdit.LBLK_END - lastEnd) {
            throw new Ext4Exception(Errno.EINVAL, "inserting " + count + " blocks at " + lblk + " into inode " + edit.ino
                    + " would move its extent ending at " + lastEnd + " past the last logical block");
        }
        // An extent over the insertion point is cut there; its tail moves with the rest and
        // keeps its written or unwritten state, as the kernel's split does.
        ExtentPath p = edit.lookup(lblk);
        byte[] b = p.leaf().b;
        int i = p.leafPos();
        long tailPblk = -1;
        long tailLen = 0;
        boolean tailUninit = false;
        if (i >= 0 && ExtentNodes.key(b, i) < lblk && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) > lblk) {
            tailPblk = ExtentNodes.start(b, i) + (lblk - ExtentNodes.key(b, i));
            tailLen = ExtentNodes.key(b, i) + ExtentNodes.length(b, i) - lblk;
            tailUninit = ExtentNodes.unwritten(b, i);
            ExtentRemoval.unmap(edit, lblk, lblk + tailLen, false);
        }
        shift(edit, lblk, count);
        if (tailLen > 0) {
            ExtentInsertion.insert(edit, lblk + count, tailPblk, tailLen, tailUninit);
        }
    }

    /**
     * Moves every extent that starts at or after {@code from} by {@code delta} blocks, with the
     * index entries above them; the caller has made sure the moved extents land in a hole.
     */
    private static void shift(ExtentTreeEdit edit, long from, long delta) {
        Node root = edit.root;
        shiftNode(edit, root, ExtentNodes.depth(root.b), from, delta, ExtentTreeEdit.LBLK_END + 1, new HashSet<>());
    }

    private static void shiftNode(ExtentTreeEdit edit, Node n, int d, long from, long delta, long end, Set<Long> visited) {
        byte[] b = n.b;
        if (d == 0) {
            boolean moved = false;
            for (int i = 0; i < ExtentNodes.entries(b); i++) {
                if (ExtentNodes.key(b, i) >= from) {
                    ExtentNodes.setKey(b, i, ExtentNodes.key(b, i) + delta);
                    moved = true;
                }
            }
            if (moved) {
                mergeMoved(b, from + delta);
                edit.markDirty(n);
            }
            return;
        }
        for (int i = 0; i < ExtentNodes.entries(b); i++) {
            long childEnd = i + 1 < ExtentNodes.entries(b) ? ExtentNodes.key(b, i + 1) : end;
            if (childEnd <= from) {
                continue;
            }
            long pblk = ExtentNodes.child(b, i);
            if (!visited.add(pblk)) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, edit.ino, pblk, "extent tree of inode " + edit.ino + ": block " + pblk + " is referenced twice");
            }
            Node c = edit.load(pblk, d - 1, ExtentNodes.key(b, i), childEnd);
            shiftNode(edit, c, d - 1, from, delta, childEnd, visited);
            if (ExtentNodes.entries(c.b) == 0) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, edit.ino, pblk, "extent tree of inode " + edit.ino + ": block " + pblk + " has no entries");
            }
            if (ExtentNodes.key(c.b, 0) != ExtentNodes.key(b, i)) {
                ExtentNodes.setKey(b, i, ExtentNodes.key(c.b, 0));
                edit.markDirty(n);
            }
        }
    }

    /** Merges neighbours in a leaf where the right one was moved (now at or after {@code movedFrom}) and they are contiguous. */
    private static void mergeMoved(byte[] b, long movedFrom) {
        int i = 0;
        while (i + 1 < ExtentNodes.entries(b)) {
            boolean uninit = ExtentNodes.unwritten(b, i);
            long len = ExtentNodes.length(b, i);
            if (ExtentNodes.key(b, i + 1) >= movedFrom && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i) + len == ExtentNodes.key(b, i + 1)
                    && ExtentNodes.start(b, i) + len == ExtentNodes.start(b, i + 1) && len + ExtentNodes.length(b, i + 1) <= ExtentTreeEdit.maxLength(uninit)) {
                ExtentNodes.setLength(b, i, len + ExtentNodes.length(b, i + 1), uninit);
                ExtentNodes.removeSlot(b, i + 1);
            } else {
                i++;
            }
        }
    }
}
