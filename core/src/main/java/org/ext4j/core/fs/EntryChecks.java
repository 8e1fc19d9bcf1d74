package org.ext4j.core.fs;

import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.XattrReader;

/**
 * The checks the kernel's VFS makes before a name is looked up, added or removed in a directory,
 * in its order and with its errnos: a directory, search permission, a valid name (the lookup),
 * then may_create or may_delete. Each throws the errno the kernel answers and changes nothing.
 */
final class EntryChecks {
    private EntryChecks() {
    }

    /**
     * The checks before adding {@code name} to {@code parent}, in the kernel's order: a
     * directory, search permission and a valid name (the lookup), no such entry (EEXIST), then
     * write permission (may_create).
     */
    static Inode newEntryDirectory(Transaction tx, DirectoryOps dirs, Caller caller, long parent, byte[] name) {
        Inode dir = requireDirectory(tx, parent);
        lookupCheck(tx, caller, dir, name);
        if (dirs.lookup(tx, parent, name) >= 0) {
            throw new Ext4Exception(Errno.EEXIST, "file exists");
        }
        if (dir.linksCount() == 0) {
            throw new Ext4Exception(Errno.ENOENT, "directory inode " + parent + " was removed");
        }
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        return dir;
    }

    /** A lookup in {@code dir}: search permission, then the name's validity. */
    static void lookupCheck(Transaction tx, Caller caller, Inode dir, byte[] name) {
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.X_OK);
        checkName(name);
    }

    static Inode requireDirectory(Transaction tx, long ino) {
        Inode dir = InodeStore.read(tx, ino);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        return dir;
    }

    /** The inode {@code name} in {@code dir} names, after the lookup's checks; ENOENT when there is none. */
    static long existing(Transaction tx, DirectoryOps dirs, Caller caller, Inode dir, byte[] name) {
        lookupCheck(tx, caller, dir, name);
        long ino = dirs.lookup(tx, dir.ino(), name);
        if (ino < 0) {
            throw new Ext4Exception(Errno.ENOENT, "no such file or directory");
        }
        return ino;
    }

    /**
     * may_delete: write and search permission on the directory, an append-only directory, the
     * sticky-directory rule (only the owner of the file or of the directory, or root), the
     * victim's flags, then its type against what the operation removes.
     */
    static void mayDelete(Transaction tx, Caller caller, Inode dir, Inode victim, boolean isDir) {
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        if (dir.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
            throw new Ext4Exception(Errno.EPERM, "directory inode " + dir.ino() + " is append-only");
        }
        boolean sticky = (dir.mode() & 01000) != 0 && !caller.isRoot() && caller.uid() != victim.uid()
                && caller.uid() != dir.uid();
        if (sticky || victim.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || victim.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
            throw new Ext4Exception(Errno.EPERM, "sticky directory, or immutable or append-only inode " + victim.ino());
        }
        if (isDir) {
            if (!victim.isDirectory()) {
                throw new Ext4Exception(Errno.ENOTDIR, "inode " + victim.ino() + " is not a directory");
            }
            if (victim.ino() == Inode.ROOT_INO) {
                throw new Ext4Exception(Errno.EBUSY, "the root directory");
            }
        } else if (victim.isDirectory()) {
            throw new Ext4Exception(Errno.EISDIR, "inode " + victim.ino() + " is a directory");
        }
    }

    static boolean isDot(byte[] name) {
        return name.length == 1 && name[0] == '.';
    }

    static boolean isDotDot(byte[] name) {
        return name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /** A path component: 1 to 255 bytes, no '/' and no NUL. */
    static void checkName(byte[] name) {
        if (name.length == 0) {
            throw new Ext4Exception(Errno.ENOENT, "empty file name");
        }
        if (name.length > DirectoryReader.NAME_MAX) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "file name of " + name.length + " bytes is longer than 255");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new Ext4Exception(Errno.EINVAL, "file name contains '/' or NUL");
            }
        }
    }
}
