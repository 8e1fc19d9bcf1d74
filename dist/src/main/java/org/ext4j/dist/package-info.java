/**
 * The {@code ext4j} command: picocli subcommands (info, ls, cat, stat, cp, demo) over the core's
 * {@link org.ext4j.core.spi.InodeFileSystem}, scp-style {@code IMAGE:PATH} operands and their
 * resolution, and the one-line error reporting shared by every command.
 */
package org.ext4j.dist;
