/**
 * The on-disk view of an opened filesystem: {@link org.ext4j.core.view.DiskView} (superblock,
 * verified group descriptors, blocks and inodes by number), the {@link org.ext4j.core.view.BlockCache}
 * of committed metadata blocks every reader and transaction shares, the
 * {@link org.ext4j.core.view.SystemZone} of blocks no file may own, and the error record of the
 * mount ({@link org.ext4j.core.view.FsErrors}, the superblock's s_error fields and errors=).
 * It knows nothing of transactions or the journal: what it needs from above (the journal's
 * block map for the system zone) is passed down by the file system that opens it.
 *
 * <p>May import: {@code inode}, {@code disk}, {@code io}, {@code spi}.
 */
package org.ext4j.core.view;
