/**
 * The orphan records that keep an inode alive across a crash while it has no name (unlinked but
 * open, O_TMPFILE) or is half truncated: the classic list that starts at s_last_orphan and runs
 * through each inode's i_dtime ({@link org.ext4j.core.orphan.OrphanList}), and the slots of the
 * orphan_file feature's inode ({@link org.ext4j.core.orphan.OrphanFile}). Both are changed only
 * through a {@link org.ext4j.core.tx.Transaction}; what is done with an orphan at open is the
 * filesystem layer's (org.ext4j.core.fs.OrphanCleanup).
 */
package org.ext4j.core.orphan;
