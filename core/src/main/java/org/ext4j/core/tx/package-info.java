/**
 * Metadata transactions on the view: {@link org.ext4j.core.tx.Transaction} handles through which
 * every metadata change is made, the {@link org.ext4j.core.tx.TransactionManager} that joins
 * handles into one running transaction and commits it (its lock order is written there), the
 * {@link org.ext4j.core.tx.CommitWriter} that makes a committed transaction durable (in place
 * without a journal; the jbd2 journal's writer is in {@code journal}), and
 * {@link org.ext4j.core.tx.InodeStore}, which reads and writes inodes inside a transaction.
 *
 * <p>May import: {@code view}, {@code inode}, {@code disk}, {@code io}, {@code spi}.
 */
package org.ext4j.core.tx;
