/**
 * Attaching a filesystem to a directory: mount(2) of type {@code fuse.ext4j} as root (with the
 * {@code /dev/fuse} fd in the mount data), checks of the mount point, clean unmounting
 * (normal, then detached), and the shutdown hook that unmounts, syncs and closes the filesystem on
 * SIGINT/SIGTERM. Mounting as a normal user through fusermount3 is not implemented yet.
 */
package org.ext4j.linux.mount;
