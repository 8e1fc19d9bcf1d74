package org.ext4j.core.extent;

import org.ext4j.core.extent.ExtentPath.Node;
import org.ext4j.core.spi.CorruptionException;

/**
 * Takes a logical range out of a tree: extents inside it go, extents over an edge are cut (one
 * over both edges becomes two, which may need a tree block), a leaf or index block left empty is
 * freed and unlinked from its parent, and a tree emptied to the root becomes an empty leaf again.
 * Pulling a small tree back into i_block happens when the edit finishes.
 */
final class ExtentRemoval {
    private ExtentRemoval() {
    }

    /**
     * Removes the mappings of [from, to). With {@code freeData} their blocks go back to the
     * allocator, otherwise the caller re-inserts them.
     */
    static void unmap(ExtentTreeEdit edit, long from, long to, boolean freeData) {
        for (long guard = 0; guard <= edit.blocksCount + 1; guard++) {
            ExtentPath p = edit.nextExtent(from);
            if (p == null) {
                return;
            }
            Node leaf = p.leaf();
            byte[] b = leaf.b;
            int i = p.leafPos();
            long s = ExtentNodes.key(b, i);
            long e = s + ExtentNodes.length(b, i);
            long pb = ExtentNodes.start(b, i);
            boolean uninit = ExtentNodes.unwritten(b, i);
            if (s >= to) {
                return;
            }
            if (s < from) {
                ExtentNodes.setLength(b, i, from - s, uninit);
                edit.markDirty(leaf);
                if (e > to) {
                    release(edit, pb + (from - s), to - from, freeData);
                    ExtentInsertion.insert(edit, to, pb + (to - s), e - to, uninit);
                    return;
                }
                release(edit, pb + (from - s), e - from, freeData);
            } else if (e > to) {
                ExtentNodes.setExtent(b, i, to, pb + (to - s), e - to, uninit);
                edit.markDirty(leaf);
                if (i == 0) {
                    edit.fixIndexes(p, p.depth());
                }
                release(edit, pb, to - s, freeData);
                return;
            } else {
                removeEntry(edit, p, p.depth(), i);
                release(edit, pb, e - s, freeData);
            }
        }
        throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, edit.ino, CorruptionException.NO_BLOCK, "extent tree of inode " + edit.ino + ": more extents than the filesystem has blocks");
    }

    /** Removes entry {@code i} of the node at {@code level}; an emptied block is freed and unlinked. */
    private static void removeEntry(ExtentTreeEdit edit, ExtentPath p, int level, int i) {
        Node node = p.nodes[level];
        ExtentNodes.removeSlot(node.b, i);
        edit.markDirty(node);
        if (ExtentNodes.entries(node.b) > 0) {
            if (i == 0) {
                edit.fixIndexes(p, level);
            }
            return;
        }
        if (level == 0) {
            // The whole tree is gone: the root becomes an empty leaf again.
            ExtentNodes.setHeader(node.b, 0, ExtentNodes.maxEntries(node.b), 0);
            return;
        }
        edit.freeNode(node);
        removeEntry(edit, p, level - 1, p.pos[level - 1]);
    }

    private static void release(ExtentTreeEdit edit, long pblk, long count, boolean freeData) {
        if (freeData && count > 0) {
            edit.freeData(pblk, count);
        }
    }
}
