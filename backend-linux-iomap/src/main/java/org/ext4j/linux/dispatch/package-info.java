/**
 * Request to SPI call to typed reply: decodes each request with the protocol records, calls the
 * core's {@link org.ext4j.core.spi.InodeFileSystem} (and, for changes, its
 * {@link org.ext4j.core.spi.WritableFileSystem}), and encodes the answer. Owns INIT negotiation,
 * ACL inheritance for new inodes, the fileattr ioctls (lsattr/chattr), the FUSE node id / inode
 * number mapping and the kernel's lookup counts. Testable from raw bytes
 * ({@link org.ext4j.linux.dispatch.FuseDispatcher#handle(byte[])}): no device involved.
 */
package org.ext4j.linux.dispatch;
