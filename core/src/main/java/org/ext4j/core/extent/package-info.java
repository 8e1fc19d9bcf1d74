/**
 * File block mapping for the read path: which physical blocks hold a file's logical blocks.
 * {@link org.ext4j.core.extent.ExtentTree} reads ext4 extent trees (including unwritten extents),
 * {@link org.ext4j.core.extent.IndirectBlockMap} reads ext2/ext3 direct and indirect block maps,
 * {@link org.ext4j.core.extent.BlockMap#of} picks one for an inode, and
 * {@link org.ext4j.core.extent.FileContent} reads file bytes through them.
 */
package org.ext4j.core.extent;
