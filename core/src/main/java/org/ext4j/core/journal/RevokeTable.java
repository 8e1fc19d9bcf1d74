package org.ext4j.core.journal;

import java.util.Arrays;

/**
 * Revoked blocks and the newest transaction that revoked each. Only blocks that the log actually
 * holds copies of are kept, so the table is never larger than the replay plan however many
 * revoke records a journal carries.
 */
final class RevokeTable {
    private final long[] blocks;
    private final int[] newestRevoke;
    private final boolean[] revoked;

    /** A table over {@code candidates}, sorted and distinct: revokes of other blocks change nothing. */
    RevokeTable(long[] candidates) {
        this.blocks = candidates;
        this.newestRevoke = new int[candidates.length];
        this.revoked = new boolean[candidates.length];
    }

    /** Records that transaction {@code sequence} revoked {@code fsBlock}. */
    void revoke(long fsBlock, int sequence) {
        int i = Arrays.binarySearch(blocks, fsBlock);
        if (i < 0) {
            return;
        }
        if (!revoked[i] || JournalRecovery.tidBefore(newestRevoke[i], sequence)) {
            newestRevoke[i] = sequence;
            revoked[i] = true;
        }
    }

    /** Whether the copy of {@code fsBlock} logged by transaction {@code sequence} is revoked (by it or a later one). */
    boolean isRevoked(long fsBlock, int sequence) {
        int i = Arrays.binarySearch(blocks, fsBlock);
        return i >= 0 && revoked[i] && !JournalRecovery.tidBefore(newestRevoke[i], sequence);
    }
}
