package org.ext4j.core.tx;

import java.io.IOException;

/**
 * Makes a committed transaction durable. {@link InPlaceCommitWriter} writes the blocks to their
 * home locations in a crash-conscious order (no journal); a jbd2 writer would log the same blocks
 * to the journal, commit, and checkpoint them later, pinning them in the {@link BlockCache} until
 * then.
 */
public interface CommitWriter {
    /**
     * Writes {@code record} durably. Called by {@link Transaction#commit()} with the transaction
     * lock held; when it returns, the blocks become the committed state in the cache. An exception
     * leaves the device in an unknown state and the manager refuses further transactions.
     */
    void write(CommitRecord record) throws IOException;
}
