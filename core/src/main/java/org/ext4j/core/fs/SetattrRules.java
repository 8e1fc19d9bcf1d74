package org.ext4j.core.fs;

import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.xattr.XattrReader;

/**
 * The kernel's rules for chmod, chown and utimensat (fs/attr.c may_setattr, setattr_prepare,
 * notify_change and fs/open.c chown_common), applied to an inode's current attributes: either the
 * attributes it ends with or the errno the kernel gives. Size changes are not handled here.
 */
final class SetattrRules {
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_IXGRP = 00010;

    /** An inode's attributes before and after. Times are null when left unchanged. */
    record Outcome(int mode, long uid, long gid, Timestamp atime, Timestamp mtime) {
    }

    private SetattrRules() {
    }

    /**
     * Resolves {@code changes} by {@code caller} on {@code inode} (its access ACL read through
     * {@code xattrs} when a permission check needs it); {@code now} is the time "now" means.
     */
    static Outcome apply(Caller caller, Inode inode, XattrReader xattrs, SetAttr changes, Timestamp now) {
        int mode = inode.mode();
        long uid = inode.uid();
        long gid = inode.gid();
        int flags = inode.flags();
        long ino = inode.ino();
        boolean chown = changes.uid().isPresent() || changes.gid().isPresent();
        boolean timesSet = changes.setsTimesExplicitly();
        boolean touch = changes.isTouch();
        boolean immutable = (flags & InodeFlags.EXT4_IMMUTABLE_FL) != 0;
        boolean append = (flags & InodeFlags.EXT4_APPEND_FL) != 0;
        // may_setattr: attribute changes on immutable or append-only inodes are refused outright;
        // a plain touch only on immutable ones.
        if ((changes.mode().isPresent() || chown || timesSet) && (immutable || append)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
        }
        boolean owner = caller.isRoot() || caller.uid() == uid;
        if (touch) {
            if (immutable) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
            }
            if (!owner) {
                Permissions.check(caller, inode, xattrs, Permissions.W_OK);
            }
        }
        if (changes.mode().isPresent() && FileType.fromMode(mode) == FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "the mode of symbolic link inode " + ino + " cannot change");
        }
        int newMode = changes.mode().isPresent() ? (mode & ~07777) | (changes.mode().getAsInt() & 07777) : mode;
        boolean modeChanges = changes.mode().isPresent();
        // chown_common: a changed owner drops setuid on non-directories (also for root), and
        // setgid when it marks the file executable for its group or the caller may not keep it.
        if (chown && FileType.fromMode(mode) != FileType.DIRECTORY) {
            if ((mode & S_ISUID) != 0) {
                newMode &= ~S_ISUID;
                modeChanges = true;
            }
            if ((mode & S_ISGID) != 0 && ((mode & S_IXGRP) != 0 || !inGroupOrRoot(caller, gid))) {
                newMode &= ~S_ISGID;
                modeChanges = true;
            }
        }
        long newUid = changes.uid().orElse(uid);
        long newGid = changes.gid().orElse(gid);
        // setattr_prepare, in its order: owner, group, mode, times.
        if (changes.uid().isPresent() && !caller.isRoot() && !(caller.uid() == uid && newUid == uid)) {
            throw new Ext4Exception(Errno.EPERM, "only root may give inode " + ino + " to another owner");
        }
        if (changes.gid().isPresent() && !caller.isRoot()
                && !(caller.uid() == uid && (newGid == gid || caller.inGroup(newGid)))) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " may only get a group its owner belongs to");
        }
        if (modeChanges) {
            if (!owner) {
                throw new Ext4Exception(Errno.EPERM, "only the owner may change the mode of inode " + ino);
            }
            if (!inGroupOrRoot(caller, newGid)) {
                newMode &= ~S_ISGID;
            }
        }
        if (timesSet && !owner) {
            throw new Ext4Exception(Errno.EPERM, "only the owner may set the times of inode " + ino);
        }
        return new Outcome(newMode, newUid, newGid, resolve(changes.atime(), now), resolve(changes.mtime(), now));
    }

    /**
     * The mode after a write or truncate by {@code caller} (file_remove_privs): without
     * CAP_FSETID (not root) setuid goes, and setgid when group-execute is set or the caller is
     * not in the file's group (setattr_should_drop_sgid).
     */
    static int withoutPrivileges(Caller caller, int mode, long gid) {
        if (caller.isRoot() || FileType.fromMode(mode) != FileType.REGULAR) {
            return mode;
        }
        mode &= ~S_ISUID;
        if ((mode & S_ISGID) != 0 && ((mode & S_IXGRP) != 0 || !caller.inGroup(gid))) {
            mode &= ~S_ISGID;
        }
        return mode;
    }

    private static boolean inGroupOrRoot(Caller caller, long gid) {
        return caller.isRoot() || caller.inGroup(gid);
    }

    private static Timestamp resolve(TimeChange change, Timestamp now) {
        if (change instanceof TimeChange.SetTo set) {
            return set.time();
        }
        return change instanceof TimeChange.Now ? now : null;
    }
}
