/**
 * The file-system SPI every backend programs against, and its value types: the calls
 * ({@link org.ext4j.core.spi.InodeFileSystem}, {@link org.ext4j.core.spi.WritableFileSystem},
 * {@link org.ext4j.core.spi.IomapFileSystem}), what they take and return ({@link org.ext4j.core.spi.Attributes},
 * {@link org.ext4j.core.spi.SetAttr}, {@link org.ext4j.core.spi.FileType}, {@link org.ext4j.core.spi.Timestamp},
 * {@link org.ext4j.core.spi.MappedExtent}...), and the one error type with its errno
 * ({@link org.ext4j.core.spi.Ext4Exception}, {@link org.ext4j.core.spi.CorruptionException}).
 *
 * <p>The lowest layer: imports nothing from the rest of the core, so a backend that uses only the
 * SPI sees none of it (see layers.txt beside core's LayeringTest).
 */
package org.ext4j.core.spi;
