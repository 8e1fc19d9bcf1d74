package org.ext4j.core.fs;

import static org.ext4j.core.spi.WritableFileSystem.RENAME_EXCHANGE;
import static org.ext4j.core.spi.WritableFileSystem.RENAME_NOREPLACE;
import static org.ext4j.core.spi.WritableFileSystem.RENAME_WHITEOUT;

import org.ext4j.core.disk.Features;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.xattr.XattrReader;

/**
 * rename(2) with renameat2's flags, checked in the kernel's order: both parents searched, both
 * names looked up, lock_rename's ancestor traps, may_delete on each side, write permission on a
 * directory whose ".." moves, EMLINK under dir_nlink's absence; then the replaced target loses
 * its link, a whiteout takes the old name, and subdirectory counts and times move.
 */
final class Rename {
    private final DiskView fs;
    private final DirectoryOps dirs;
    private final LinkCounts links;
    /** Makes the whiteout left under the old name. */
    private final InodeCreation creation;

    Rename(DiskView fs, DirectoryOps dirs, LinkCounts links, InodeCreation creation) {
        this.fs = fs;
        this.dirs = dirs;
        this.links = links;
        this.creation = creation;
    }

    long rename(Transaction tx, Caller caller, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0
                || (flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) {
            throw new Ext4Exception(Errno.EINVAL, "invalid rename flags " + flags);
        }
        // No CAP_MKNOD check for RENAME_WHITEOUT: Linux dropped it in 5.8 (whiteouts are harmless).
        Inode oldDir = EntryChecks.requireDirectory(tx, oldParent);
        Inode newDir = EntryChecks.requireDirectory(tx, newParent);
        // renameat2 walks to both parents (search permission on each) before it looks either name up.
        Permissions.check(caller, oldDir, XattrReader.of(tx), Permissions.X_OK);
        Permissions.check(caller, newDir, XattrReader.of(tx), Permissions.X_OK);
        if (EntryChecks.isDot(oldName) || EntryChecks.isDotDot(oldName) || EntryChecks.isDot(newName) || EntryChecks.isDotDot(newName)) {
            throw new Ext4Exception(Errno.EBUSY, "cannot rename '.' or '..'");
        }
        long ino = EntryChecks.existing(tx, dirs, caller, oldDir, oldName);
        Inode moving = InodeStore.read(tx, ino);
        EntryChecks.lookupCheck(tx, caller, newDir, newName);
        long targetIno = dirs.lookup(tx, newParent, newName);
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        if ((flags & RENAME_NOREPLACE) != 0 && targetIno >= 0) {
            throw new Ext4Exception(Errno.EEXIST, "target exists");
        }
        if (exchange && targetIno < 0) {
            throw new Ext4Exception(Errno.ENOENT, "RENAME_EXCHANGE needs an existing target");
        }
        Inode target = targetIno >= 0 ? InodeStore.read(tx, targetIno) : null;
        // lock_rename's trap: the source may not be an ancestor of the new parent, nor the target of the old one.
        if (moving.isDirectory() && isAncestor(tx, ino, newParent)) {
            throw new Ext4Exception(Errno.EINVAL, "cannot move a directory into its own subtree");
        }
        if (target != null && target.isDirectory() && isAncestor(tx, targetIno, oldParent)) {
            throw new Ext4Exception(exchange ? Errno.EINVAL : Errno.ENOTEMPTY, "the target is an ancestor of the source");
        }
        if (targetIno == ino) {
            return -1; // both names are links to one inode: rename does nothing
        }
        boolean isDir = moving.isDirectory();
        boolean newIsDir = target != null && target.isDirectory();
        EntryChecks.mayDelete(tx, caller, oldDir, moving, isDir);
        if (target == null) {
            Permissions.check(caller, newDir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        } else {
            EntryChecks.mayDelete(tx, caller, newDir, target, exchange ? newIsDir : isDir);
        }
        boolean dirNlink = fs.superblock().hasRoCompat(Features.RO_COMPAT_DIR_NLINK);
        if (oldParent != newParent) {
            if (isDir) {
                // Moving a directory rewrites its "..": the caller needs write permission on it.
                Permissions.check(caller, moving, XattrReader.of(tx), Permissions.W_OK);
            }
            if (exchange && newIsDir) {
                Permissions.check(caller, target, XattrReader.of(tx), Permissions.W_OK);
            }
            if (isDir && !newIsDir && newDir.linksCount() >= LinkCounts.LINK_MAX && !dirNlink
                    || exchange && !isDir && newIsDir && oldDir.linksCount() >= LinkCounts.LINK_MAX && !dirNlink) {
                throw new Ext4Exception(Errno.EMLINK, "too many links");
            }
        }
        if (!exchange && newIsDir && !dirs.isEmpty(tx, targetIno)) {
            throw new Ext4Exception(Errno.ENOTEMPTY, "target directory is not empty");
        }
        if ((flags & RENAME_EXCHANGE) != 0) {
            if (targetIno < 0) {
                throw new Ext4Exception(Errno.ENOENT, "RENAME_EXCHANGE needs an existing target");
            }
            exchange(tx, oldParent, oldName, moving, newParent, newName, target);
            return -1;
        }
        long released = -1;
        if (target != null) {
            dirs.remove(tx, newParent, newName);
            if (newIsDir) {
                links.touchDirectory(tx, newParent, -1);
                links.unlinkDirectory(tx, target);
                released = targetIno;
            } else {
                released = links.dropLink(tx, target);
            }
        }
        dirs.remove(tx, oldParent, oldName);
        if ((flags & RENAME_WHITEOUT) != 0) {
            // A whiteout is a character device 0:0 left under the old name (overlayfs).
            long w = creation.mknod(tx, Caller.ROOT, oldParent, oldName, FileType.CHAR_DEVICE.modeBits(), 0, 0, 0);
            InodeEditor we = new InodeEditor(InodeStore.read(tx, w));
            we.uid(caller.uid()).gid(caller.gid());
            InodeStore.write(tx, w, we.raw());
        }
        dirs.add(tx, newParent, newName, ino, moving.type());
        if (moving.isDirectory() && oldParent != newParent) {
            dirs.setParent(tx, ino, newParent);
            links.touchDirectory(tx, oldParent, -1);
            links.touchDirectory(tx, newParent, +1);
        } else {
            links.touchDirectory(tx, oldParent, 0);
            if (newParent != oldParent) {
                links.touchDirectory(tx, newParent, 0);
            }
        }
        links.touchChanged(tx, ino);
        return released;
    }

    private void exchange(Transaction tx, long oldParent, byte[] oldName, Inode a, long newParent, byte[] newName,
            Inode b) {
        dirs.remove(tx, oldParent, oldName);
        dirs.remove(tx, newParent, newName);
        dirs.add(tx, oldParent, oldName, b.ino(), b.type());
        dirs.add(tx, newParent, newName, a.ino(), a.type());
        if (oldParent != newParent) {
            if (a.isDirectory()) {
                dirs.setParent(tx, a.ino(), newParent);
            }
            if (b.isDirectory()) {
                dirs.setParent(tx, b.ino(), oldParent);
            }
            int delta = (a.isDirectory() ? 1 : 0) - (b.isDirectory() ? 1 : 0);
            links.touchDirectory(tx, oldParent, -delta);
            links.touchDirectory(tx, newParent, delta);
        } else {
            links.touchDirectory(tx, oldParent, 0);
        }
        for (Inode changed : new Inode[] {a, b}) {
            links.touchChanged(tx, changed.ino());
        }
    }

    /** True when {@code dir} is {@code candidate} or one of its ancestors (walking ".." up to the root). */
    private boolean isAncestor(Transaction tx, long dir, long candidate) {
        long cur = candidate;
        for (int depth = 0; depth < 65536; depth++) {
            if (cur == dir) {
                return true;
            }
            if (cur == Inode.ROOT_INO) {
                return false;
            }
            long up = dirs.lookup(tx, cur, new byte[] {'.', '.'});
            if (up < 0 || up == cur) {
                return false;
            }
            cur = up;
        }
        throw new CorruptionException(CorruptionException.Structure.DIRECTORY, candidate, CorruptionException.NO_BLOCK, "directory inode " + candidate + ": '..' chain does not reach the root");
    }
}
