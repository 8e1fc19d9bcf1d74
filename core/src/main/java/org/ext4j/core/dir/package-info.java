/**
 * Directories: dirent parsing and validation, listing with stable offsets, and name lookup
 * through the htree index (or a linear scan), for block and inline directories, in the committed
 * state or a transaction's view; and their changes ({@link org.ext4j.core.dir.DirectoryWriter}):
 * new directories, entries added and removed, with the htree built and grown as the kernel does
 * ({@code HtreeInsertion}) and inline directories kept and moved to blocks ({@code InlineDirectory}),
 * each step on one {@code DirectoryChange}.
 *
 * <p>May import: every structure below it ({@code inline}, {@code xattr}, {@code extent},
 * {@code htree}, {@code alloc}), {@code tx}, {@code view}, {@code inode}, {@code disk}, {@code spi}.
 */
package org.ext4j.core.dir;
