package org.ext4j.core.tx;

import java.io.IOException;
import org.ext4j.core.view.BlockCache;

/**
 * Makes a committed transaction durable. {@link InPlaceCommitWriter} writes the blocks to their
 * home locations in a crash-conscious order (no journal); a jbd2 writer would log the same blocks
 * to the journal, commit, and checkpoint them later, pinning them in the {@link BlockCache} until
 * then.
 */
public interface CommitWriter {
    /**
     * Writes {@code record} durably. Called with the transaction lock held; when it returns, the
     * blocks become the committed state in the cache. An exception leaves the device in an unknown
     * state and the manager refuses further transactions.
     */
    void write(CommitRecord record) throws IOException;

    /**
     * The most blocks one record should hold: the manager commits a running transaction before it
     * grows past this (a journal writer answers what its log can take in one transaction).
     */
    default int maxRecordBlocks() {
        return 8192;
    }

    /**
     * Brings every block written so far to its home location and flushes (a journal writer
     * checkpoints its whole log). Called with the transaction lock held.
     */
    default void checkpoint() throws IOException {
    }

    /** Called once at a clean close, after the last record: checkpoint and leave the image clean. */
    default void close() throws IOException {
        checkpoint();
    }
}
