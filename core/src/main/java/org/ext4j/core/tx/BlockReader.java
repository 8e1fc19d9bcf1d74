package org.ext4j.core.tx;

/** Something metadata blocks can be read from: the committed state (the cache) or a transaction's view. */
public interface BlockReader {
    /**
     * The content of filesystem block {@code pblk} as this reader sees it, in a fresh array the
     * caller may keep and modify without affecting anyone else.
     */
    byte[] read(long pblk);
}
