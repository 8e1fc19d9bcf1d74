package org.ext4j.core.extent;

/**
 * The nodes of an extent tree from the root down to a leaf, and the entry taken at each level;
 * the leaf's entry may be -1 (the block lies before the leaf's first extent).
 */
final class ExtentPath {
    /** A tree node: the root (pblk 0, a copy of i_block written back at the end) or a tree block. */
    static final class Node {
        final long pblk;
        final byte[] b;

        Node(long pblk, byte[] b) {
            this.pblk = pblk;
            this.b = b;
        }
    }

    final Node[] nodes;
    final int[] pos;

    ExtentPath(int depth) {
        nodes = new Node[depth + 1];
        pos = new int[depth + 1];
    }

    int depth() {
        return nodes.length - 1;
    }

    Node leaf() {
        return nodes[nodes.length - 1];
    }

    int leafPos() {
        return pos[pos.length - 1];
    }
}
