package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.EH_ENTRIES;
import static org.ext4j.core.extent.ExtentTree.EH_MAX;
import static org.ext4j.core.extent.ExtentTree.ENTRY_SIZE;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;
import static org.ext4j.core.extent.ExtentTree.MAX_DEPTH;

import java.util.Arrays;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.ExtentPath.Node;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Puts extents into holes of a tree: an extent merges into a contiguous neighbour of the same
 * kind when the merged length fits, else takes a free slot in its leaf; a full leaf is split
 * (or first widened to the whole block when another tool wrote a small eh_max), a full parent
 * before it, and a full root moves into a new block so the tree grows one level.
 */
final class ExtentInsertion {
    private ExtentInsertion() {
    }

    /** Inserts [lblk, lblk+len) → pblk as extents of at most the maximum length each. */
    static void insert(ExtentTreeEdit edit, long lblk, long pblk, long len, boolean uninit) {
        long done = 0;
        while (done < len) {
            long piece = Math.min(len - done, ExtentTreeEdit.maxLength(uninit));
            insertOne(edit, lblk + done, pblk + done, piece, uninit);
            done += piece;
        }
    }

    /** Inserts one extent into a hole, merging it into a neighbour when they are contiguous. */
    private static void insertOne(ExtentTreeEdit edit, long lblk, long pblk, long len, boolean uninit) {
        int limit = ExtentTreeEdit.maxLength(uninit);
        for (int attempt = 0; attempt < 4 * (MAX_DEPTH + 2); attempt++) {
            ExtentPath p = edit.lookup(lblk);
            Node leaf = p.leaf();
            byte[] b = leaf.b;
            int i = p.leafPos();
            int n = ExtentNodes.entries(b);
            if (i >= 0 && ExtentNodes.unwritten(b, i) == uninit && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) == lblk
                    && ExtentNodes.start(b, i) + ExtentNodes.length(b, i) == pblk && ExtentNodes.length(b, i) + len <= limit) {
                long merged = ExtentNodes.length(b, i) + len;
                ExtentNodes.setLength(b, i, merged, uninit);
                if (i + 1 < n && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i + 1) == lblk + len
                        && ExtentNodes.start(b, i + 1) == pblk + len && merged + ExtentNodes.length(b, i + 1) <= limit) {
                    ExtentNodes.setLength(b, i, merged + ExtentNodes.length(b, i + 1), uninit);
                    ExtentNodes.removeSlot(b, i + 1);
                }
                edit.markDirty(leaf);
                return;
            }
            if (i + 1 < n && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i + 1) == lblk + len
                    && ExtentNodes.start(b, i + 1) == pblk + len && ExtentNodes.length(b, i + 1) + len <= limit) {
                ExtentNodes.setExtent(b, i + 1, lblk, pblk, len + ExtentNodes.length(b, i + 1), uninit);
                edit.markDirty(leaf);
                if (i + 1 == 0) {
                    edit.fixIndexes(p, p.depth());
                }
                return;
            }
            if (n < ExtentNodes.maxEntries(b)) {
                ExtentNodes.insertSlot(b, i + 1);
                ExtentNodes.setExtent(b, i + 1, lblk, pblk, len, uninit);
                edit.markDirty(leaf);
                if (i + 1 == 0) {
                    edit.fixIndexes(p, p.depth());
                }
                return;
            }
            makeRoom(edit, p, p.depth(), pblk);
        }
        throw new IllegalStateException("extent tree of inode " + edit.ino + ": no room made for logical block " + lblk);
    }

    /** Makes room in the full node at level {@code level} of {@code p}: split it, or grow the tree. */
    private static void makeRoom(ExtentTreeEdit edit, ExtentPath p, int level, long goal) {
        Node node = p.nodes[level];
        if (level == 0) {
            growDepth(edit, goal);
            return;
        }
        if (ExtentNodes.maxEntries(node.b) < edit.nodeCapacity) {
            // Written with a small eh_max by another tool: use the whole block first.
            LittleEndian.put16(node.b, EH_MAX, edit.nodeCapacity);
            edit.markDirty(node);
            return;
        }
        Node parent = p.nodes[level - 1];
        if (ExtentNodes.entries(parent.b) >= ExtentNodes.maxEntries(parent.b)) {
            makeRoom(edit, p, level - 1, goal);
            return;
        }
        split(edit, p, level, goal);
    }

    /** Moves the root's entries into a new block and makes the root a single index above it. */
    private static void growDepth(ExtentTreeEdit edit, long goal) {
        Node root = edit.root;
        int d = ExtentNodes.depth(root.b);
        if (d >= MAX_DEPTH) {
            throw new Ext4Exception(Errno.EFBIG, "extent tree of inode " + edit.ino + " would exceed depth " + MAX_DEPTH);
        }
        Node moved = edit.newNode(goal);
        int n = ExtentNodes.entries(root.b);
        ExtentNodes.setHeader(moved.b, n, edit.nodeCapacity, d);
        System.arraycopy(root.b, HEADER_SIZE, moved.b, HEADER_SIZE, n * ENTRY_SIZE);
        long firstKey = n > 0 ? ExtentNodes.key(root.b, 0) : 0;
        Arrays.fill(root.b, HEADER_SIZE, root.b.length, (byte) 0);
        ExtentNodes.setHeader(root.b, 1, ExtentNodes.maxEntries(root.b), d + 1);
        ExtentNodes.setIndex(root.b, 0, firstKey, moved.pblk);
        edit.markDirty(moved);
        edit.markDirty(root);
    }

    /**
     * Splits the full node at {@code level} into itself and a new right sibling. When the
     * insertion point is past its last entry (a file growing at its end) only the last entry
     * moves, so sequentially written files keep nearly full leaves.
     */
    private static void split(ExtentTreeEdit edit, ExtentPath p, int level, long goal) {
        Node node = p.nodes[level];
        byte[] b = node.b;
        int n = ExtentNodes.entries(b);
        int k = p.pos[level] >= n - 1 ? n - 1 : n / 2;
        k = Math.max(1, k);
        Node right = edit.newNode(goal);
        ExtentNodes.setHeader(right.b, n - k, edit.nodeCapacity, ExtentNodes.depth(b));
        System.arraycopy(b, ExtentNodes.at(k), right.b, ExtentNodes.at(0), (n - k) * ENTRY_SIZE);
        Arrays.fill(b, ExtentNodes.at(k), ExtentNodes.at(n), (byte) 0);
        LittleEndian.put16(b, EH_ENTRIES, k);
        Node parent = p.nodes[level - 1];
        int slot = p.pos[level - 1] + 1;
        ExtentNodes.insertSlot(parent.b, slot);
        ExtentNodes.setIndex(parent.b, slot, ExtentNodes.key(right.b, 0), right.pblk);
        edit.markDirty(node);
        edit.markDirty(right);
        edit.markDirty(parent);
    }
}
