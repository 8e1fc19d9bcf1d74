package org.ext4j.highlevel.abi;

/**
 * The operations of a {@code struct fuse_operations}, by name. Which of them a library's table
 * has, and in which slot, is an {@link OperationSlots}: the first 42 are libfuse3's own (the
 * order of 3.0 to 3.17), the rest exist only in macFUSE's table (setattr taking a {@code struct
 * fuse_darwin_attr}, chflags, setvolname, monitor).
 */
public enum Operation {
    GETATTR, READLINK, MKNOD, MKDIR, UNLINK, RMDIR, SYMLINK, RENAME, LINK, CHMOD, CHOWN, TRUNCATE, OPEN, READ, WRITE,
    STATFS, FLUSH, RELEASE, FSYNC, SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, OPENDIR, READDIR, RELEASEDIR, FSYNCDIR,
    INIT, DESTROY, ACCESS, CREATE, LOCK, UTIMENS, BMAP, IOCTL, POLL, WRITE_BUF, READ_BUF, FLOCK, FALLOCATE,
    COPY_FILE_RANGE, LSEEK,
    /** macFUSE: every attribute change at once, with a to_set mask. */
    SETATTR,
    /** macFUSE: chflags(2), the BSD file flags. */
    CHFLAGS,
    /** macFUSE: renaming the volume. */
    SETVOLNAME,
    /** macFUSE: watchers of a file came or went (FUSE_MONITOR_BEGIN/END). */
    MONITOR
}
