package org.ext4j.core.fs;

import java.util.Optional;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.PosixAcl;

/**
 * What the namespace needs from directory, block-map and xattr writers. Kept as one small
 * interface so that the rules in {@link Namespace} are tested independently of how entries are
 * stored.
 */
public interface DirectoryOps {
    /** The inode number {@code name} maps to in {@code dir}, or -1. */
    long lookup(Transaction tx, long dir, byte[] name);

    void add(Transaction tx, long dir, byte[] name, long ino, FileType type);

    void remove(Transaction tx, long dir, byte[] name);

    /** Writes the first block (or inline area) of a new directory: "." and "..". */
    void initialize(Transaction tx, long dir, long parent);

    void setParent(Transaction tx, long dir, long parent);

    boolean isEmpty(Transaction tx, long dir);

    /** Releases every block and xattr block of an inode whose last link is gone. */
    void releaseStorage(Transaction tx, long ino);

    /** Writes a symlink target that does not fit i_block into the inode's first block. */
    void writeSlowSymlink(Transaction tx, long ino, byte[] target);

    /** The default ACL of directory {@code dir} (system.posix_acl_default), if it has one. */
    Optional<PosixAcl> defaultAcl(Transaction tx, long dir);

    /**
     * Stores {@code acl} as attribute {@code name} (system.posix_acl_access or _default) of
     * a new inode whose mode already agrees with it.
     */
    void storeAcl(Transaction tx, long ino, String name, PosixAcl acl);
}
