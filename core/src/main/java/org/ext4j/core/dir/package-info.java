/**
 * Directories: dirent parsing and validation, listing with stable offsets, and name lookup
 * through the htree index (or a linear scan), for block and inline directories, in the committed
 * state or a transaction's view; and their changes ({@link org.ext4j.core.dir.DirectoryWriter}):
 * new directories, entries added and removed, the htree built and grown as the kernel does.
 */
package org.ext4j.core.dir;
