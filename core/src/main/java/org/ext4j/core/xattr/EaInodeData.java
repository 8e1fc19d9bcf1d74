package org.ext4j.core.xattr;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Reads the data of an EA inode (a large xattr value stored as the content of its own inode).
 * File content mapping belongs to the extent package; until its file reader is available this
 * refuses with EOPNOTSUPP instead of duplicating the extent walk here.
 */
final class EaInodeData {
    private EaInodeData() {
    }

    /** The first {@code size} bytes of {@code ea}'s content; {@code size} is already validated. */
    static byte[] read(Ext4FileSystem fs, Inode ea, int size, String where) {
        throw new Ext4Exception(Errno.EOPNOTSUPP, where + ": reading values stored in EA inodes is not supported yet");
    }
}
