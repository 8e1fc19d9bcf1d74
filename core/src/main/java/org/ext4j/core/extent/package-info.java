/**
 * File block mapping: which physical blocks hold a file's logical blocks.
 * {@link org.ext4j.core.extent.ExtentTree} reads ext4 extent trees (including unwritten extents),
 * {@link org.ext4j.core.extent.IndirectBlockMap} reads ext2/ext3 direct and indirect block maps,
 * {@link org.ext4j.core.extent.BlockMap#of} picks one for an inode, and
 * {@link org.ext4j.core.extent.FileContent} reads file bytes through them.
 *
 * <p>The write side: {@link org.ext4j.core.extent.BlockMapWriter#of} picks an extent-tree or
 * indirect-map writer that allocates, frees and converts blocks inside a transaction (the extent
 * tree's writer opens one {@code ExtentTreeEdit} per call and leaves the work to
 * {@code ExtentInsertion}, {@code ExtentRemoval}, {@code ExtentConversion} and {@code ExtentShift}),
 * {@link org.ext4j.core.extent.BlockMapMigration} converts a file between the two, and
 * {@link org.ext4j.core.extent.FileContentWriter} writes file data, truncates, and implements the
 * fallocate modes (preallocate, punch hole, zero range, collapse and insert range) on top of them.
 *
 * <p>May import: {@code alloc}, {@code tx}, {@code view}, {@code inode}, {@code disk}, {@code io}, {@code spi}.
 */
package org.ext4j.core.extent;
