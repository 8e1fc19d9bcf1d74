package org.ext4j.linux.dispatch;

import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.linux.protocol.Wire;

/**
 * The one place where FUSE node ids and ext4 inode numbers meet. They are equal except that the
 * kernel calls the root FUSE_ROOT_ID (1) while ext4's root is inode 2: the two are swapped, so
 * the mapping stays a bijection (inode 1, the bad-blocks inode, would be node 2 if a hostile
 * directory ever named it, and the SPI refuses it there).
 */
public final class NodeIds {
    private NodeIds() {
    }

    /** The inode number a request's node id stands for. */
    public static long toIno(long nodeId) {
        if (nodeId == Wire.ROOT_ID) {
            return InodeFileSystem.ROOT_INO;
        }
        if (nodeId == InodeFileSystem.ROOT_INO) {
            return Wire.ROOT_ID;
        }
        return nodeId;
    }

    /** The node id the kernel is given for an inode number. */
    public static long toNodeId(long ino) {
        // The swap is its own inverse.
        return toIno(ino);
    }
}
