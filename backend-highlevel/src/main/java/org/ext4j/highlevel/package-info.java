/**
 * The portable backend: libfuse3's high-level path API bound through jnr-ffi. {@link
 * org.ext4j.highlevel.HighLevelBackend} mounts a volume and returns a {@link
 * org.ext4j.highlevel.HighLevelMount}; {@code abi} holds the per-platform and per-version
 * layouts and values, {@code bind} the native binding and callbacks, {@code path} the path
 * semantics on the core's inode-keyed SPI (dentry cache, file handles).
 */
package org.ext4j.highlevel;
