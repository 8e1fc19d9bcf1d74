/**
 * The portable backend. It will own the libfuse3 high-level path API bound through jnr-ffi
 * (struct fuse_operations), path-to-inode resolution with a dentry cache, file handles, and the
 * per-OS struct layouts for Linux and FreeBSD.
 */
package org.ext4j.highlevel;
