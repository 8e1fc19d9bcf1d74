/**
 * The jbd2 journal: its on-disk records (big-endian), recovery of a dirty log into the filesystem
 * in the kernel's three passes (scan, revoke, replay), and {@link org.ext4j.core.journal.JournalWriter},
 * the {@link org.ext4j.core.tx.CommitWriter} that commits transactions to the log in ordered mode
 * and checkpoints them home.
 *
 * <p>May import: {@code extent} (the journal inode's block map), {@code tx}, {@code view},
 * {@code inode}, {@code disk}, {@code io}, {@code spi}.
 */
package org.ext4j.core.journal;
