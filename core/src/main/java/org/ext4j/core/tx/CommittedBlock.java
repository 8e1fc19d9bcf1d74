package org.ext4j.core.tx;

/**
 * One metadata block of a committed transaction, as handed to a {@link CommitWriter}. The arrays
 * are the transaction's own and must not be modified.
 *
 * @param pblk     the filesystem block number
 * @param role     what the block is (decides the in-place write order)
 * @param original the committed content before this transaction, or null when the block was
 *                 created in it ({@link Transaction#getCreateAccess})
 * @param content  the content to make durable
 */
public record CommittedBlock(long pblk, BlockRole role, byte[] original, byte[] content) {
}
