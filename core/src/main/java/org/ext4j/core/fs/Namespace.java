package org.ext4j.core.fs;

import java.time.Clock;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.alloc.InodeAllocator;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.xattr.XattrReader;

/**
 * The namespace operations (create, mknod, mkdir, symlink, link, unlink, rmdir, rename) with
 * the kernel's POSIX rules, each inside a caller's transaction: on any error the caller aborts
 * and nothing is changed. Directory entries, block maps and xattrs are changed through the
 * {@link DirectoryOps} seam; the namespace owns inode life (allocation, link counts, times,
 * freeing). Making inodes is {@link InodeCreation}'s, rename is {@link Rename}'s, the VFS
 * checks before a name changes are {@link EntryChecks}, link counts and times {@link LinkCounts};
 * link, unlink, rmdir and the final release are here.
 */
public final class Namespace {
    private final InodeAllocator inodes;
    private final Clock clock;
    private final DirectoryOps dirs;
    private final LinkCounts links;
    private final InodeCreation creation;
    private final Rename rename;

    public Namespace(DiskView fs, DirectoryOps dirs, Clock clock) {
        this.inodes = new InodeAllocator(new GroupAccounting(fs));
        this.clock = clock;
        this.dirs = dirs;
        this.links = new LinkCounts(clock);
        this.creation = new InodeCreation(fs, inodes, dirs, links);
        this.rename = new Rename(fs, dirs, links, creation);
    }

    /**
     * Creates a regular file, device node, fifo or socket; returns its inode number. The
     * permission bits of {@code mode} are masked by {@code umask}, or by the parent's default
     * ACL when it has one (which the new inode then inherits), as posix_acl_create does; a
     * caller that masked the mode already passes 0.
     */
    public long mknod(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask, int major, int minor) {
        return creation.mknod(tx, caller, parent, name, mode, umask, major, minor);
    }

    /**
     * Creates a directory; returns its inode number. {@code umask} and the parent's default ACL
     * act as for {@link #mknod}; the new directory also takes that ACL as its own default ACL.
     */
    public long mkdir(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask) {
        return creation.mkdir(tx, caller, parent, name, mode, umask);
    }

    /** Creates a symbolic link to {@code target}; returns its inode number. */
    public long symlink(Transaction tx, Caller caller, long parent, byte[] name, byte[] target) {
        return creation.symlink(tx, caller, parent, name, target);
    }

    /**
     * Creates an unnamed regular file for O_TMPFILE in {@code parent}: an inode with no link and
     * no directory entry, owned and flagged as {@link #mknod} would make it, the directory's
     * times unchanged (nothing in it changes), {@code umask} and default ACL as for
     * {@link #mknod}. The caller puts it on the orphan list.
     */
    public long tmpfile(Transaction tx, Caller caller, long parent, int mode, int umask) {
        return creation.tmpfile(tx, caller, parent, mode, umask);
    }

    /**
     * rename(2) with flags NOREPLACE, EXCHANGE and WHITEOUT (the SPI's
     * {@link org.ext4j.core.spi.WritableFileSystem#RENAME_NOREPLACE} and its siblings). Returns the
     * inode number of a replaced target whose last link went (to {@link #release}), or -1.
     */
    public long rename(Transaction tx, Caller caller, long oldParent, byte[] oldName, long newParent, byte[] newName,
            int flags) {
        return rename.rename(tx, caller, oldParent, oldName, newParent, newName, flags);
    }

    /**
     * Adds the name {@code newName} in {@code newParent} for the existing inode {@code ino}.
     * {@code linkable} marks an O_TMPFILE inode opened without O_EXCL (the kernel's I_LINKABLE):
     * only such an inode may go from no link to one; the caller takes it off the orphan list.
     */
    public void link(Transaction tx, Caller caller, long ino, long newParent, byte[] newName, boolean linkable) {
        Inode target = InodeStore.read(tx, ino);
        Inode dir = EntryChecks.requireDirectory(tx, newParent);
        EntryChecks.lookupCheck(tx, caller, dir, newName);
        if (dirs.lookup(tx, newParent, newName) >= 0) {
            throw new Ext4Exception(Errno.EEXIST, "file exists");
        }
        // may_linkat with protected_hardlinks: a non-owner may only link files he could read and write.
        int mode = target.mode();
        boolean safeSource = target.type() == FileType.REGULAR && (mode & 04000) == 0 && (mode & 02010) != 02010
                && Permissions.allowed(caller, target, XattrReader.of(tx), Permissions.R_OK | Permissions.W_OK)
                && !target.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL);
        if (!safeSource && !caller.isRoot() && caller.uid() != target.uid()) {
            throw new Ext4Exception(Errno.EPERM, "protected_hardlinks: only the owner may link this file");
        }
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        if (target.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || target.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
        }
        if (target.isDirectory()) {
            throw new Ext4Exception(Errno.EPERM, "hard links to directories are not allowed");
        }
        if (target.linksCount() == 0 && !linkable) {
            throw new Ext4Exception(Errno.ENOENT, "inode " + ino + " has no links left");
        }
        if (target.linksCount() >= LinkCounts.LINK_MAX) {
            throw new Ext4Exception(Errno.EMLINK, "inode " + ino + " has " + target.linksCount() + " links already");
        }
        dirs.add(tx, newParent, newName, ino, target.type());
        InodeEditor e = new InodeEditor(target);
        e.linksCount(target.linksCount() + 1).ctime(links.now());
        InodeStore.write(tx, ino, e.raw());
        links.touchDirectory(tx, newParent, 0);
    }

    /**
     * Removes the non-directory {@code name}. Returns the inode number when its last link went
     * (the caller frees it with {@link #release} now, or when its last open handle closes).
     */
    public long unlink(Transaction tx, Caller caller, long parent, byte[] name) {
        Inode dir = EntryChecks.requireDirectory(tx, parent);
        long ino = EntryChecks.existing(tx, dirs, caller, dir, name);
        Inode victim = InodeStore.read(tx, ino);
        EntryChecks.mayDelete(tx, caller, dir, victim, false);
        dirs.remove(tx, parent, name);
        links.touchDirectory(tx, parent, 0);
        return links.dropLink(tx, victim);
    }

    /** Removes the empty directory {@code name}; returns its inode number (free it with {@link #release}). */
    public long rmdir(Transaction tx, Caller caller, long parent, byte[] name) {
        if (EntryChecks.isDot(name)) {
            throw new Ext4Exception(Errno.EINVAL, "cannot remove '.'");
        }
        if (EntryChecks.isDotDot(name)) {
            throw new Ext4Exception(Errno.ENOTEMPTY, "cannot remove '..'");
        }
        Inode dir = EntryChecks.requireDirectory(tx, parent);
        long ino = EntryChecks.existing(tx, dirs, caller, dir, name);
        Inode victim = InodeStore.read(tx, ino);
        EntryChecks.mayDelete(tx, caller, dir, victim, true);
        if (!dirs.isEmpty(tx, ino)) {
            throw new Ext4Exception(Errno.ENOTEMPTY, "directory inode " + ino + " is not empty");
        }
        dirs.remove(tx, parent, name);
        links.touchDirectory(tx, parent, -1);
        links.unlinkDirectory(tx, victim);
        return ino;
    }

    /** Frees inode {@code ino} (links 0, no open handle): its blocks, xattrs and the inode itself. */
    public void release(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        if (inode.linksCount() != 0) {
            throw new IllegalStateException("inode " + ino + " still has links");
        }
        dirs.releaseStorage(tx, ino);
        InodeEditor e = new InodeEditor(InodeStore.read(tx, ino));
        e.dtime(clock.instant().getEpochSecond()).size(0);
        InodeStore.write(tx, ino, e.raw());
        inodes.free(tx, ino, inode.isDirectory());
    }
}
