package org.ext4j.core.tx;

/**
 * A run of blocks a transaction gave back to the allocator. A journal writer revokes those it
 * logged earlier (so replay cannot write stale metadata over a block that now holds data) and
 * forgets any pending checkpoint of them.
 *
 * @param start the first block
 * @param count how many blocks, at least 1
 */
public record FreedRange(long start, long count) {
    public FreedRange {
        if (start < 0 || count < 1) {
            throw new IllegalArgumentException("bad freed range " + start + " (+" + count + ")");
        }
    }

    public long end() {
        return start + count;
    }
}
