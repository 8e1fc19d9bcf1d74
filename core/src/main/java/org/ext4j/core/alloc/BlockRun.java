package org.ext4j.core.alloc;

/**
 * A run of consecutive filesystem blocks.
 *
 * @param start  the first physical block
 * @param length the number of blocks, at least 1
 */
public record BlockRun(long start, long length) {
    public BlockRun {
        if (length < 1) {
            throw new IllegalArgumentException("a block run has at least one block");
        }
    }

    /** The block after the run. */
    public long end() {
        return start + length;
    }
}
