/**
 * The jbd2 journal: its on-disk records (big-endian), and recovery of a dirty log into the
 * filesystem in the kernel's three passes (scan, revoke, replay).
 */
package org.ext4j.core.journal;
