/**
 * The inode record: {@link org.ext4j.core.inode.Inode} reads the fields of one inode (at offsets
 * named after the kernel's), {@link org.ext4j.core.inode.InodeEditor} changes them in a copy, and
 * {@link org.ext4j.core.inode.InodeFlags} names the i_flags bits. Locating, reading and writing
 * an inode on the disk are the view's and the transactions' ({@code view.DiskView#inode},
 * {@code tx.InodeStore}).
 *
 * <p>May import: {@code disk}, {@code spi}.
 */
package org.ext4j.core.inode;
