/**
 * The orphan records that keep an inode alive across a crash while it has no name (unlinked but
 * open, O_TMPFILE) or is half truncated: the classic list that starts at s_last_orphan and runs
 * through each inode's i_dtime ({@link org.ext4j.core.orphan.OrphanList}), and the slots of the
 * orphan_file feature's inode ({@link org.ext4j.core.orphan.OrphanFile}), with
 * {@link org.ext4j.core.orphan.Orphans} choosing between them as the kernel does. Both are
 * changed only through a {@link org.ext4j.core.tx.Transaction}, and what they remember to make a
 * removal cheap is undone with a transaction that aborts; what is done with an orphan at open is
 * the filesystem layer's (org.ext4j.core.fs.OrphanCleanup).
 *
 * <p>May import: {@code extent}, {@code alloc}, {@code tx}, {@code view}, {@code inode}, {@code disk}, {@code spi}.
 */
package org.ext4j.core.orphan;
