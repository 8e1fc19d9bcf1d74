/**
 * Path semantics on the core's inode-keyed SPI: the dentry cache that resolves paths without a
 * walk per call and retains what it names, and the operations keyed by path or file handle.
 * Knows nothing of native memory.
 */
package org.ext4j.highlevel.path;
