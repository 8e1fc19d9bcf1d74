package org.ext4j.core.view;

/** Something metadata blocks can be read from: the committed state (the cache) or a transaction's view. */
public interface BlockReader {
    /**
     * The content of filesystem block {@code pblk} as this reader sees it, in a fresh array the
     * caller may keep and modify without affecting anyone else.
     */
    byte[] read(long pblk);

    /**
     * The content of block {@code pblk} without a copy where the reader can avoid one: the caller
     * must not modify the array and must not keep it past its current use (a transaction's own
     * working copy may change with its next edit). For the hot read-only paths (descriptors,
     * inodes) that would otherwise copy a whole block to look at a few bytes.
     */
    default byte[] readShared(long pblk) {
        return read(pblk);
    }
}
