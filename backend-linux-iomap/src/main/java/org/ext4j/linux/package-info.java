/**
 * The Linux backend: the FUSE kernel protocol spoken directly over /dev/fuse (lowlevel,
 * inode-based: the FUSE node id is the ext4 inode number). {@link org.ext4j.linux.LinuxBackend}
 * is its {@link org.ext4j.core.backend.Backend}, which the {@code ext4j} command finds through
 * META-INF/services; {@code .protocol} holds the wire structs,
 * {@code .dispatch} maps requests onto the core SPI, {@code .session} runs the reader threads and
 * {@code .mount} attaches the filesystem to a directory.
 */
package org.ext4j.linux;
