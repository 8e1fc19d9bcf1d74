/**
 * The jbd2 journal: its on-disk records (big-endian), recovery of a dirty log into the filesystem
 * in the kernel's three passes (scan, revoke, replay), and {@link org.ext4j.core.journal.JournalWriter},
 * which commits transactions to the log in ordered mode and checkpoints them home.
 */
package org.ext4j.core.journal;
