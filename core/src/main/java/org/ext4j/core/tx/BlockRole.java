package org.ext4j.core.tx;

/**
 * What a metadata block in a transaction is, which decides when the in-place writer may write it:
 * a crash between two writes must leave references only to blocks already marked in use.
 */
public enum BlockRole {
    /**
     * A block allocated in this transaction (an extent or directory block, a freshly initialised
     * bitmap): nothing on disk refers to it until the transaction's other blocks are written.
     */
    NEW,
    /** A block or inode bitmap. */
    BITMAP,
    /** A block of the group descriptor table. */
    GROUP_DESCRIPTORS,
    /** A block of an inode table. */
    INODE_TABLE,
    /** Any other metadata: extent tree, indirect, directory and xattr blocks that point at other blocks. */
    METADATA,
    /** The block holding the primary superblock. */
    SUPERBLOCK
}
