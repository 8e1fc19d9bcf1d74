package org.ext4j.core.spi;

/**
 * The write half of the filesystem SPI: every operation that changes the image, keyed like the
 * read operations of {@link InodeFileSystem} (a {@link Caller}, a parent inode and name bytes).
 * Each operation either completes or changes nothing and throws an {@link Ext4Exception} whose
 * {@link Errno} is the one the kernel's ext4 returns for the same request. Every operation may
 * also raise EROFS (read-only filesystem), EIO (device failure) and EUCLEAN (corruption found on
 * the way); the lists below name the errors specific to each.
 *
 * <p>Names are 1 to 255 bytes without '/' or NUL. Permission checks follow the kernel's
 * generic_permission with POSIX access ACLs: write and search permission on a directory to
 * change it, the sticky-bit rule for removals and renames, owner-or-root for attribute changes.
 *
 * <p>The operations that make an inode take the caller's {@code umask} beside the mode, because
 * whether it applies depends on the parent: a parent with a default ACL masks the new mode with
 * that ACL instead (and the new inode inherits it), as the kernel's posix_acl_create does. A
 * caller that has masked the mode already passes a umask of 0 (the shorter overloads).
 */
public interface WritableFileSystem extends InodeFileSystem {
    /** rename flags (Linux values). */
    int RENAME_NOREPLACE = 1;
    int RENAME_EXCHANGE = 2;
    int RENAME_WHITEOUT = 4;

    /** setxattr flags. */
    int XATTR_CREATE = 1;
    int XATTR_REPLACE = 2;

    /** fallocate mode flags. */
    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;
    int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    int FALLOC_FL_ZERO_RANGE = 0x10;
    int FALLOC_FL_INSERT_RANGE = 0x20;

    /** open flags that create and tmpfile honour (Linux values). */
    int O_EXCL = 0200;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;

    /** This filesystem itself: it has the write operations. */
    @Override
    default java.util.Optional<WritableFileSystem> writable() {
        return java.util.Optional.of(this);
    }

    /**
     * Registers {@code listener} to be told the inode number whenever an operation drops an
     * inode's setuid or setgid bit as a side effect its own result does not report: a write,
     * fallocate or truncate (also O_TRUNC at open) by a caller without CAP_FSETID. A client that
     * caches attributes, as the FUSE kernel does, must forget them then. The listener runs on the
     * calling thread once the change is committed, and replaces any earlier one.
     */
    default void onPrivilegesDropped(java.util.function.LongConsumer listener) {
    }

    /** A newly created and opened file: its attributes and the handle to write through. */
    record Created(Attributes attributes, long handle) {
    }

    /**
     * Creates and opens regular file {@code name} in {@code parent} (open with O_CREAT).
     *
     * @param mode  permission bits as open(2) got them
     * @param umask the caller's umask, applied unless the parent has a default ACL
     * @param flags open(2) flags: access mode, O_EXCL, O_TRUNC, O_APPEND
     * @throws Ext4Exception EEXIST (name exists and O_EXCL), ENOENT, ENOTDIR (parent is not a
     *         directory), EISDIR (name is a directory), EACCES (no write+search on parent),
     *         ENAMETOOLONG, ENOSPC (no inode or block), EDQUOT
     */
    Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags);

    /** {@link #create(Caller, long, byte[], int, int, int)} with a mode already masked by the umask. */
    default Created create(Caller caller, long parent, byte[] name, int mode, int flags) {
        return create(caller, parent, name, mode, 0, flags);
    }

    /**
     * Makes a device node, fifo, socket or empty regular file.
     *
     * @param mode  full st_mode: S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK or S_IFREG plus permission bits
     * @param umask the caller's umask, applied unless the parent has a default ACL
     * @throws Ext4Exception EEXIST, ENOENT, ENOTDIR, EACCES, ENAMETOOLONG, ENOSPC, EINVAL (mode is
     *         a directory, a symlink or no type), EPERM (a device node by a non-root caller)
     */
    Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor);

    /** {@link #mknod(Caller, long, byte[], int, int, int, int)} with a mode already masked by the umask. */
    default Attributes mknod(Caller caller, long parent, byte[] name, int mode, int rdevMajor, int rdevMinor) {
        return mknod(caller, parent, name, mode, 0, rdevMajor, rdevMinor);
    }

    /**
     * Makes a directory with "." and "..", raising the parent's link count. A parent's default
     * ACL becomes the new directory's default ACL too.
     *
     * @param umask the caller's umask, applied unless the parent has a default ACL
     * @throws Ext4Exception EEXIST, ENOENT, ENOTDIR, EACCES, ENAMETOOLONG, ENOSPC, EMLINK (the
     *         parent has 65000 links and the filesystem has no dir_nlink)
     */
    Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask);

    /** {@link #mkdir(Caller, long, byte[], int, int)} with a mode already masked by the umask. */
    default Attributes mkdir(Caller caller, long parent, byte[] name, int mode) {
        return mkdir(caller, parent, name, mode, 0);
    }

    /**
     * Makes a symbolic link to {@code target} (stored as given: 1 to blocksize-1 bytes).
     *
     * @throws Ext4Exception EEXIST, ENOENT (also for an empty target), ENOTDIR, EACCES,
     *         ENAMETOOLONG (name over 255 bytes or target of blocksize bytes or more), ENOSPC
     */
    Attributes symlink(Caller caller, long parent, byte[] name, byte[] target);

    /**
     * Makes a hard link {@code newName} in {@code newParent} to inode {@code ino}.
     *
     * @throws Ext4Exception EEXIST, ENOENT (the inode has no links left), ENOTDIR, EACCES,
     *         ENAMETOOLONG, EPERM (ino is a directory, or immutable / append-only),
     *         EMLINK (65000 links), ENOSPC
     */
    Attributes link(Caller caller, long ino, long newParent, byte[] newName);

    /**
     * Removes a non-directory name; the inode is freed when its last link and handle go.
     *
     * @throws Ext4Exception ENOENT, ENOTDIR (parent), EISDIR (name is a directory), EACCES,
     *         EPERM (sticky parent and the caller owns neither; immutable or append-only inode or parent)
     */
    void unlink(Caller caller, long parent, byte[] name);

    /**
     * Removes an empty directory.
     *
     * @throws Ext4Exception ENOENT, ENOTDIR (parent, or name is not a directory), ENOTEMPTY,
     *         EACCES, EPERM (sticky parent; immutable or append-only), EINVAL (name is "."),
     *         EBUSY (the root)
     */
    void rmdir(Caller caller, long parent, byte[] name);

    /**
     * Renames {@code parent/name} to {@code newParent/newName}, replacing the target unless flags
     * forbid it.
     *
     * @param flags {@link #RENAME_NOREPLACE}, {@link #RENAME_EXCHANGE}, {@link #RENAME_WHITEOUT}
     * @throws Ext4Exception ENOENT (source, or target with EXCHANGE), EEXIST (target with
     *         NOREPLACE), EINVAL (a directory into its own subtree, bad flag combination), ENOTDIR
     *         / EISDIR (directory over non-directory and back), ENOTEMPTY (target directory not
     *         empty), EACCES, EPERM (sticky directories, immutable/append-only), EMLINK (a moved
     *         directory would give the new parent 65000 links), ENAMETOOLONG, ENOSPC
     */
    void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags);

    /**
     * Writes {@code len} bytes at {@code offset} through an open handle; returns the count
     * written (all of it unless the disk fills after some bytes were written). A write by a
     * caller without CAP_FSETID clears setuid, and setgid when group-execute is set.
     *
     * @throws Ext4Exception EBADF (no such handle, or opened read-only), EINVAL (negative offset),
     *         EFBIG (past the maximum file size), ENOSPC, EDQUOT, EPERM (immutable)
     */
    int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len);

    /**
     * Changes mode, owner, size and times, with the kernel's setattr rules: chmod and explicit
     * times need the owner or root; both-UTIME_NOW needs write permission; chown needs root
     * (or the owner keeping his uid and giving a group he belongs to); a non-root chmod clears
     * setgid when the caller is not in the file's group; chown of a non-directory clears setuid,
     * and setgid when group-execute is set. ctime becomes the current time.
     *
     * @param handle an open handle (ftruncate: no permission recheck) or -1
     * @throws Ext4Exception EPERM (not allowed, immutable, append-only), EACCES (UTIME_NOW without
     *         write permission, truncate without it), EINVAL (negative size, size of anything
     *         but a regular file or directory), EISDIR (size on a directory), EFBIG, EOPNOTSUPP
     *         (mode of a symlink)
     */
    Attributes setattr(Caller caller, long ino, long handle, SetAttr changes);

    /**
     * Preallocates, punches, zeroes, collapses or inserts a range (fallocate(2)).
     *
     * @param mode {@code FALLOC_FL_*} flags, 0 for plain allocation
     * @throws Ext4Exception EBADF, EINVAL (bad range or flag combination, unaligned collapse or
     *         insert), EOPNOTSUPP (flags ext4 does not support on this inode), ENODEV (not a
     *         regular file), EFBIG, ENOSPC, EPERM (immutable; append-only for punch/collapse/insert/zero)
     */
    void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length);

    /**
     * Sets extended attribute {@code name} (namespace prefix included: user., trusted.,
     * security., system.posix_acl_*).
     *
     * @param flags {@link #XATTR_CREATE}, {@link #XATTR_REPLACE} or 0
     * @throws Ext4Exception EEXIST (CREATE and present), ENODATA (REPLACE and absent), ERANGE
     *         (name over 255 bytes after the prefix, or empty), E2BIG / ENOSPC (value does not fit),
     *         EPERM (user.* on a symlink or device by a non-owner, trusted.* by non-root,
     *         immutable/append-only), EACCES, EOPNOTSUPP (unknown namespace), EINVAL (bad ACL)
     */
    void setxattr(Caller caller, long ino, String name, byte[] value, int flags);

    /**
     * Removes extended attribute {@code name}.
     *
     * @throws Ext4Exception ENODATA (absent), EPERM, EACCES, EOPNOTSUPP
     */
    void removexattr(Caller caller, long ino, String name);

    /** FS_IOC_GETFLAGS: the user-visible i_flags (FS_*_FL values). */
    int getflags(long ino);

    /**
     * FS_IOC_SETFLAGS: sets the user-modifiable i_flags (others in {@code flags} are ignored when
     * they are user-visible and already as they are).
     *
     * @throws Ext4Exception EPERM (not owner or root; IMMUTABLE or APPEND changed by non-root;
     *         other flags changed while IMMUTABLE stays; JOURNAL_DATA changed by non-root),
     *         EOPNOTSUPP (a flag that is not user-visible, or one this file type cannot carry,
     *         CASEFOLD without the feature), ENOTEMPTY (CASEFOLD on a non-empty directory)
     */
    Attributes setflags(Caller caller, long ino, int flags);

    /**
     * Makes the file's data (and with {@code datasync} false, all its metadata) durable.
     *
     * @throws Ext4Exception EBADF, EIO
     */
    void fsync(long ino, long handle, boolean datasync);

    /** Makes everything written so far durable (syncfs(2)). */
    void syncfs();

    /**
     * Creates an unnamed regular file in {@code parent} (O_TMPFILE), open for writing and on the
     * orphan list until it is linked or released. Without O_EXCL in {@code flags} it may be
     * given a name once with {@link #link} (linkat from /proc/self/fd), which takes it off the
     * orphan list; with O_EXCL that link fails with ENOENT, as the kernel's I_LINKABLE rule says.
     *
     * @param mode  permission bits as open(2) got them
     * @param umask the caller's umask, applied unless the parent has a default ACL
     * @param flags open(2) flags: the access mode (O_WRONLY or O_RDWR), O_EXCL, O_APPEND
     * @throws Ext4Exception ENOTDIR, EACCES (no write+search on parent), ENOENT (parent was
     *         removed), EINVAL (read-only access mode), ENOSPC
     */
    Created tmpfile(Caller caller, long parent, int mode, int umask, int flags);

    /** {@link #tmpfile(Caller, long, int, int, int)} with a mode already masked by the umask. */
    default Created tmpfile(Caller caller, long parent, int mode, int flags) {
        return tmpfile(caller, parent, mode, 0, flags);
    }

    /** {@link #tmpfile(Caller, long, int, int)} opened O_RDWR without O_EXCL: linkable. */
    default Created tmpfile(Caller caller, long parent, int mode) {
        return tmpfile(caller, parent, mode, O_RDWR);
    }
}
