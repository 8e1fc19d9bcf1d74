/**
 * Metadata transactions: the {@link org.ext4j.core.view.BlockCache} of committed metadata blocks,
 * {@link org.ext4j.core.tx.Transaction} handles through which every metadata change is made, and
 * the {@link org.ext4j.core.tx.CommitWriter} that makes a committed transaction durable (in place
 * today, through the jbd2 journal later).
 */
package org.ext4j.core.tx;

import org.ext4j.core.view.BlockCache;
