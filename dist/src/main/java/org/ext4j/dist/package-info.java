/**
 * The {@code ext4j} command: picocli subcommands over the core's
 * {@link org.ext4j.core.spi.InodeFileSystem} (info, ls, cat, stat, demo) and
 * {@link org.ext4j.core.spi.WritableFileSystem} (cp in either direction, mkdir, rm, mv, ln), and
 * the mount commands over the core's backend SPI (mount, umount, backends, the mount.ext4j
 * helper); scp-style {@code IMAGE:PATH} operands and their resolution, and the one-line error
 * reporting shared by every command. A command that changes an image opens it read-write and
 * holds its lock; the others open it read-only.
 */
package org.ext4j.dist;
