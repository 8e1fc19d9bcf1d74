package org.ext4j.core.tx;

import java.util.List;

/**
 * A transaction ready to be made durable: its dirty metadata blocks in the order they were first
 * accessed, and whether ordered file data was written through it (already sent to the device, not
 * yet flushed). A journal writer logs {@link #blocks()} and a commit block; the in-place writer
 * writes them home.
 *
 * @param sequence        the transaction's number, increasing from 1 per {@link TransactionManager}
 * @param blocks          the dirty metadata blocks
 * @param hasOrderedData  true when data blocks were written that the metadata will point at, so the
 *                        device must be flushed before any metadata is written
 * @param freed           the blocks this transaction freed, in the order they were freed (runs
 *                        may touch; a block freed is not reallocated before the record is written)
 */
public record CommitRecord(long sequence, List<CommittedBlock> blocks, boolean hasOrderedData, List<FreedRange> freed) {
    public CommitRecord {
        blocks = List.copyOf(blocks);
        freed = List.copyOf(freed);
    }
}
