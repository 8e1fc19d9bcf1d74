/**
 * Attaching a filesystem to a directory: mount options in mount(8) style ({@link
 * org.ext4j.linux.mount.MountOptionParser}), mount(2) of type {@code fuse.ext4j} as root (with the
 * {@code /dev/fuse} fd in the mount data), {@code fuseblk.ext4j} for a block device, fusermount3
 * for a normal user (the fd comes back over a unix socket), the image lock that keeps a second
 * writer out, the uid=/gid= owner override, checks of the mount point, clean unmounting (normal,
 * then detached), and the shutdown hook that unmounts, syncs and closes the filesystem on
 * SIGINT/SIGTERM.
 */
package org.ext4j.linux.mount;
