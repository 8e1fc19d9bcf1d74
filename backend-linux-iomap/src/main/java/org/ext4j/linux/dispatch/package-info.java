/**
 * Request to SPI call to typed reply: decodes each request with the protocol records, calls the
 * core's {@link org.ext4j.core.spi.InodeFileSystem} (and, for changes, its
 * {@link org.ext4j.core.spi.WritableFileSystem}; for the iomap opcodes its
 * {@link org.ext4j.core.spi.IomapFileSystem}), and encodes the answer. Owns INIT negotiation,
 * ACL inheritance for new inodes, the fileattr ioctls (lsattr/chattr), the FUSE node id / inode
 * number mapping, the kernel's lookup counts and the batching of its FORGETs
 * ({@code ForgetReaper}). Testable from raw bytes
 * ({@link org.ext4j.linux.dispatch.FuseDispatcher#handle(byte[])}): no device involved.
 */
package org.ext4j.linux.dispatch;
