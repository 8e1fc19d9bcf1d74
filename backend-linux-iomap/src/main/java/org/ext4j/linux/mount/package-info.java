/**
 * Attaching a filesystem to a directory: the shared mount options ({@link
 * org.ext4j.core.backend.MountOptions}) with what only Linux has ({@link
 * org.ext4j.linux.mount.LinuxMountOptions}: reader threads, fuseblk's block size), mount(2) of
 * type {@code fuse.ext4j} as root (with the {@code /dev/fuse} fd in the mount data),
 * {@code fuseblk.ext4j} for a block device, fusermount3 for a normal user (the fd comes back over
 * a unix socket), Linux's claim on a locked image (flock, and O_EXCL for a block device), the
 * uid=/gid= owner override, checks of the mount point, clean unmounting (normal, then detached),
 * remount through a control socket, and the shutdown hook that unmounts, syncs and closes the
 * filesystem on SIGINT/SIGTERM.
 */
package org.ext4j.linux.mount;
