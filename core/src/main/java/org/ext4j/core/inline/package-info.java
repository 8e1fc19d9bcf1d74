/**
 * Inline data ({@code inline_data} feature): small file and directory content kept in the inode
 * itself, in {@code i_block} and the in-inode xattr {@code system.data}. Read by InlineData;
 * regular files written, truncated and converted to blocks by InlineDataWriter.
 *
 * <p>May import: {@code xattr} (system.data), {@code extent}, {@code tx}, {@code view},
 * {@code inode}, {@code disk}, {@code spi}.
 */
package org.ext4j.core.inline;
