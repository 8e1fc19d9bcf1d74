/**
 * Block and inode allocation: reading and verifying the group bitmaps
 * ({@link org.ext4j.core.alloc.Bitmaps}), the group layout, the bookkeeping that every allocation
 * changes ({@link org.ext4j.core.alloc.GroupAccounting}), and the allocators
 * ({@link org.ext4j.core.alloc.BlockAllocator}, {@link org.ext4j.core.alloc.InodeAllocator}).
 * Every change goes through a {@link org.ext4j.core.tx.Transaction}.
 *
 * <p>May import: {@code tx}, {@code view}, {@code inode}, {@code disk}, {@code spi}.
 */
package org.ext4j.core.alloc;
