package org.ext4j.highlevel.abi;

/**
 * The slots of libfuse3's {@code struct fuse_operations}, in declaration order: slot i is the
 * function pointer at offset 8 * i. The order is the same from 3.0 to 3.17 (42 slots; lseek is
 * the last since 3.8); 3.18 appends statx and later releases syncfs. A library older than the
 * table copies only the slots it knows (fuse_fs_new warns), so the full table is always passed.
 */
public enum Operation {
    GETATTR, READLINK, MKNOD, MKDIR, UNLINK, RMDIR, SYMLINK, RENAME, LINK, CHMOD, CHOWN, TRUNCATE, OPEN, READ, WRITE,
    STATFS, FLUSH, RELEASE, FSYNC, SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, OPENDIR, READDIR, RELEASEDIR, FSYNCDIR,
    INIT, DESTROY, ACCESS, CREATE, LOCK, UTIMENS, BMAP, IOCTL, POLL, WRITE_BUF, READ_BUF, FLOCK, FALLOCATE,
    COPY_FILE_RANGE, LSEEK;

    /** Offset of this slot in the table (LP64: 8-byte function pointers). */
    public int offset() {
        return ordinal() * 8;
    }

    /** sizeof(struct fuse_operations) as passed to fuse_new (3.0-3.17 without statx). */
    public static int tableSize() {
        return values().length * 8;
    }
}
