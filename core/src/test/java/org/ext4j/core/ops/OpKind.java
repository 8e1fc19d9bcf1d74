package org.ext4j.core.ops;

/** The kinds of operation the generator draws, one per SPI write operation it exercises. */
public enum OpKind {
    CREATE, MKNOD, MKDIR, SYMLINK, LINK, UNLINK, RMDIR, RENAME, WRITE, TRUNCATE, CHMOD, CHOWN, UTIMENS, SETXATTR,
    REMOVEXATTR, SETFLAGS, COLLAPSE_RANGE, INSERT_RANGE, TMPFILE;

    /** True for the operations that add an inode whose number the model must take from the system under test. */
    boolean createsInode() {
        return this == CREATE || this == MKNOD || this == MKDIR || this == SYMLINK;
    }
}
