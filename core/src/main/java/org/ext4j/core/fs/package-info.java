/**
 * The POSIX file system, the top of the core. {@link org.ext4j.core.fs.Ext4FileSystem} opens an
 * image (refusing what it cannot handle, replaying a dirty journal), owns its transaction manager,
 * remounts and closes it; {@link org.ext4j.core.fs.PosixFileSystem} is the SPI over it, a facade
 * whose parts each own one concept (open files, live inodes, file data, access times, xattrs and
 * ACLs, attribute changes, names, iomap mapping) and share one {@code MountState}. The POSIX rules
 * themselves sit in small classes of their own: {@link org.ext4j.core.fs.Namespace} (inode life
 * over the {@link org.ext4j.core.fs.DirectoryOps} seam, with its parts {@code InodeCreation},
 * {@code Rename}, {@code EntryChecks} and {@code LinkCounts}), {@link org.ext4j.core.fs.Permissions},
 * {@code SetattrRules}, {@code SetflagsRules}, {@code WriteTimes}, {@code OrphanCleanup}.
 *
 * <p>May import: every core package except {@code backend} and {@code host}.
 */
package org.ext4j.core.fs;
