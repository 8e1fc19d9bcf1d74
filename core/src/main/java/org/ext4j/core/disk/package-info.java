/**
 * The ext4 on-disk records that need no I/O: the superblock ({@link org.ext4j.core.disk.Superblock}),
 * group descriptors ({@link org.ext4j.core.disk.GroupDescriptor}), the feature flags
 * ({@link org.ext4j.core.disk.Features}), the checksums (crc32c, crc16) and byte order. Parsed
 * from and written into byte arrays; reading them from a device is the view's.
 *
 * <p>May import: {@code spi}.
 */
package org.ext4j.core.disk;
