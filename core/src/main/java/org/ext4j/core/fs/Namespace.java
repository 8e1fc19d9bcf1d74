package org.ext4j.core.fs;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.alloc.InodeAllocator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.ExtentTree;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.xattr.XattrWriter;

/**
 * The namespace operations (create, mknod, mkdir, symlink, link, unlink, rmdir, rename) with
 * the kernel's POSIX rules, each inside a caller's transaction: on any error the caller aborts
 * and nothing is changed. Directory entries, block maps and xattrs are changed through their
 * writers; this class owns inode life (allocation, link counts, times, freeing).
 */
public final class Namespace {
    /** The kernel's EXT4_LINK_MAX: more links than this is EMLINK (directories use dir_nlink past it). */
    public static final int LINK_MAX = 65000;
    /** rename(2) flags. */
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;

    /** EXT4_FL_INHERITED: the flags a new inode takes from its directory. */
    private static final int INHERITED_FLAGS = InodeFlags.EXT4_SECRM_FL | InodeFlags.EXT4_UNRM_FL
            | InodeFlags.EXT4_COMPR_FL | InodeFlags.EXT4_SYNC_FL | InodeFlags.EXT4_NODUMP_FL
            | InodeFlags.EXT4_NOATIME_FL | 0x400 /* NOCOMPR */ | InodeFlags.EXT4_JOURNAL_DATA_FL
            | InodeFlags.EXT4_NOTAIL_FL | InodeFlags.EXT4_DIRSYNC_FL | InodeFlags.EXT4_PROJINHERIT_FL
            | InodeFlags.EXT4_CASEFOLD_FL | InodeFlags.EXT4_DAX_FL;
    /** ext4_mask_flags: what a regular file keeps of them (no directory-only flags). */
    private static final int REGULAR_FLAG_MASK = ~(InodeFlags.EXT4_DIRSYNC_FL | InodeFlags.EXT4_TOPDIR_FL
            | InodeFlags.EXT4_CASEFOLD_FL | InodeFlags.EXT4_PROJINHERIT_FL);
    /** ext4_mask_flags: what other inodes (devices, fifos, sockets, symlinks) keep. */
    private static final int OTHER_FLAG_MASK = InodeFlags.EXT4_NODUMP_FL | InodeFlags.EXT4_NOATIME_FL;

    private final DiskView fs;
    private final InodeAllocator inodes;
    private final Clock clock;
    private final DirectoryOps dirs;

    /**
     * What the namespace needs from directory, block-map and xattr writers. Kept as one small
     * interface so that the rules here are tested independently of how entries are stored.
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

    public Namespace(DiskView fs, DirectoryOps dirs, Clock clock) {
        this.fs = fs;
        this.inodes = new InodeAllocator(new GroupAccounting(fs));
        this.clock = clock;
        this.dirs = dirs;
    }

    /**
     * Creates a regular file, device node, fifo or socket; returns its inode number. The
     * permission bits of {@code mode} are masked by {@code umask}, or by the parent's default
     * ACL when it has one (which the new inode then inherits), as posix_acl_create does; a
     * caller that masked the mode already passes 0.
     */
    public long mknod(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask, int major, int minor) {
        int fmt = mode & FileType.S_IFMT;
        if (fmt == FileType.DIRECTORY.modeBits()) {
            throw new Ext4Exception(Errno.EPERM, "mknod cannot make a directory");
        }
        FileType type = fmt == 0 ? FileType.REGULAR : FileType.fromMode(mode);
        if (type == FileType.UNKNOWN || type == FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "mknod of type 0" + Integer.toOctalString(fmt));
        }
        Inode dir = newEntryDirectory(tx, caller, parent, name);
        // A whiteout (character device 0:0) needs no CAP_MKNOD since Linux 5.8.
        boolean whiteout = type == FileType.CHAR_DEVICE && major == 0 && minor == 0;
        if ((type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE) && !whiteout && !caller.isRoot()) {
            throw new Ext4Exception(Errno.EPERM, "only root may make device nodes");
        }
        PosixAcl inherited = dirs.defaultAcl(tx, parent).orElse(null);
        InodeEditor child = newInode(tx, caller, dir, type.modeBits() | (mode & 07777), umask, inherited, false);
        if (type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE) {
            byte[] iblock = new byte[Inode.I_BLOCK_SIZE];
            if (major < 256 && minor < 256) {
                LittleEndian.put32(iblock, 0, (long) major << 8 | minor);
            } else {
                LittleEndian.put32(iblock, 4, (minor & 0xff) | (long) major << 8 | (long) (minor & ~0xff) << 12);
            }
            child.iBlock(iblock);
        } else if (type == FileType.REGULAR) {
            child.iBlock(emptyMapRoot()).flags(child.flags() | extentsFlag());
        }
        InodeStore.write(tx, child.ino(), child.raw());
        storeInherited(tx, child.ino(), inherited);
        dirs.add(tx, parent, name, child.ino(), type);
        touchDirectory(tx, parent, 0);
        return child.ino();
    }

    /**
     * Creates a directory; returns its inode number. {@code umask} and the parent's default ACL
     * act as for {@link #mknod}; the new directory also takes that ACL as its own default ACL.
     */
    public long mkdir(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask) {
        Inode dir = newEntryDirectory(tx, caller, parent, name);
        if (dir.linksCount() >= LINK_MAX && !fs.superblock().hasRoCompat(Features.RO_COMPAT_DIR_NLINK)) {
            throw new Ext4Exception(Errno.EMLINK, "directory inode " + parent + " has too many subdirectories");
        }
        PosixAcl inherited = dirs.defaultAcl(tx, parent).orElse(null);
        InodeEditor child = newInode(tx, caller, dir, FileType.DIRECTORY.modeBits() | (mode & 01777), umask, inherited, true);
        child.linksCount(2); // the block map (or inline area) is the directory writer's to set up
        InodeStore.write(tx, child.ino(), child.raw());
        storeInherited(tx, child.ino(), inherited);
        dirs.initialize(tx, child.ino(), parent);
        dirs.add(tx, parent, name, child.ino(), FileType.DIRECTORY);
        touchDirectory(tx, parent, +1);
        return child.ino();
    }

    /** Creates a symbolic link to {@code target}; returns its inode number. */
    public long symlink(Transaction tx, Caller caller, long parent, byte[] name, byte[] target) {
        if (target.length == 0) {
            throw new Ext4Exception(Errno.ENOENT, "empty symlink target");
        }
        if (target.length >= 4096) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "symlink target longer than PATH_MAX");
        }
        Inode dir = newEntryDirectory(tx, caller, parent, name);
        if (target.length + 1 > fs.blockSize()) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "symlink target of " + target.length + " bytes does not fit a block");
        }
        InodeEditor child = newInode(tx, caller, dir, FileType.SYMLINK.modeBits() | 0777, 0, null, false);
        child.size(target.length);
        if (target.length < Inode.I_BLOCK_SIZE) {
            child.iBlock(target); // a fast symlink: the target lives in i_block, no blocks
            InodeStore.write(tx, child.ino(), child.raw());
        } else {
            child.iBlock(emptyMapRoot()).flags(child.flags() | extentsFlag());
            InodeStore.write(tx, child.ino(), child.raw());
            dirs.writeSlowSymlink(tx, child.ino(), target);
        }
        dirs.add(tx, parent, name, child.ino(), FileType.SYMLINK);
        touchDirectory(tx, parent, 0);
        return child.ino();
    }

    /**
     * Adds the name {@code newName} in {@code newParent} for the existing inode {@code ino}.
     * {@code linkable} marks an O_TMPFILE inode opened without O_EXCL (the kernel's I_LINKABLE):
     * only such an inode may go from no link to one; the caller takes it off the orphan list.
     */
    public void link(Transaction tx, Caller caller, long ino, long newParent, byte[] newName, boolean linkable) {
        Inode target = InodeStore.read(tx, ino);
        Inode dir = requireDirectory(tx, newParent);
        lookupCheck(tx, caller, dir, newName);
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
        if (target.linksCount() >= LINK_MAX) {
            throw new Ext4Exception(Errno.EMLINK, "inode " + ino + " has " + target.linksCount() + " links already");
        }
        dirs.add(tx, newParent, newName, ino, target.type());
        InodeEditor e = new InodeEditor(target);
        e.linksCount(target.linksCount() + 1).ctime(now());
        InodeStore.write(tx, ino, e.raw());
        touchDirectory(tx, newParent, 0);
    }

    /**
     * Creates an unnamed regular file for O_TMPFILE in {@code parent}: an inode with no link and
     * no directory entry, owned and flagged as {@link #mknod} would make it, the directory's
     * times unchanged (nothing in it changes), {@code umask} and default ACL as for
     * {@link #mknod}. The caller puts it on the orphan list.
     */
    public long tmpfile(Transaction tx, Caller caller, long parent, int mode, int umask) {
        Inode dir = requireDirectory(tx, parent);
        // vfs_tmpfile asks for write and search permission on the directory, then the filesystem.
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        if (dir.linksCount() == 0) {
            throw new Ext4Exception(Errno.ENOENT, "directory inode " + parent + " was removed");
        }
        PosixAcl inherited = dirs.defaultAcl(tx, parent).orElse(null);
        InodeEditor child = newInode(tx, caller, dir, FileType.REGULAR.modeBits() | (mode & 07777), umask, inherited, false);
        child.iBlock(emptyMapRoot()).flags(child.flags() | extentsFlag()).linksCount(0);
        InodeStore.write(tx, child.ino(), child.raw());
        storeInherited(tx, child.ino(), inherited);
        return child.ino();
    }

    /**
     * Removes the non-directory {@code name}. Returns the inode number when its last link went
     * (the caller frees it with {@link #release} now, or when its last open handle closes).
     */
    public long unlink(Transaction tx, Caller caller, long parent, byte[] name) {
        Inode dir = requireDirectory(tx, parent);
        long ino = existing(tx, caller, dir, name);
        Inode victim = InodeStore.read(tx, ino);
        mayDelete(tx, caller, dir, victim, false);
        dirs.remove(tx, parent, name);
        touchDirectory(tx, parent, 0);
        return dropLink(tx, victim);
    }

    /** Removes the empty directory {@code name}; returns its inode number (free it with {@link #release}). */
    public long rmdir(Transaction tx, Caller caller, long parent, byte[] name) {
        if (isDot(name)) {
            throw new Ext4Exception(Errno.EINVAL, "cannot remove '.'");
        }
        if (isDotDot(name)) {
            throw new Ext4Exception(Errno.ENOTEMPTY, "cannot remove '..'");
        }
        Inode dir = requireDirectory(tx, parent);
        long ino = existing(tx, caller, dir, name);
        Inode victim = InodeStore.read(tx, ino);
        mayDelete(tx, caller, dir, victim, true);
        if (!dirs.isEmpty(tx, ino)) {
            throw new Ext4Exception(Errno.ENOTEMPTY, "directory inode " + ino + " is not empty");
        }
        dirs.remove(tx, parent, name);
        touchDirectory(tx, parent, -1);
        InodeEditor e = new InodeEditor(victim);
        e.linksCount(0).ctime(now());
        InodeStore.write(tx, ino, e.raw());
        return ino;
    }

    /**
     * rename(2) with flags NOREPLACE, EXCHANGE and WHITEOUT. Returns the inode number of a
     * replaced target whose last link went (to {@link #release}), or -1.
     */
    public long rename(Transaction tx, Caller caller, long oldParent, byte[] oldName, long newParent, byte[] newName,
            int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0
                || (flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) {
            throw new Ext4Exception(Errno.EINVAL, "invalid rename flags " + flags);
        }
        // No CAP_MKNOD check for RENAME_WHITEOUT: Linux dropped it in 5.8 (whiteouts are harmless).
        Inode oldDir = requireDirectory(tx, oldParent);
        Inode newDir = requireDirectory(tx, newParent);
        // renameat2 walks to both parents (search permission on each) before it looks either name up.
        Permissions.check(caller, oldDir, XattrReader.of(tx), Permissions.X_OK);
        Permissions.check(caller, newDir, XattrReader.of(tx), Permissions.X_OK);
        if (isDot(oldName) || isDotDot(oldName) || isDot(newName) || isDotDot(newName)) {
            throw new Ext4Exception(Errno.EBUSY, "cannot rename '.' or '..'");
        }
        long ino = existing(tx, caller, oldDir, oldName);
        Inode moving = InodeStore.read(tx, ino);
        lookupCheck(tx, caller, newDir, newName);
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
        mayDelete(tx, caller, oldDir, moving, isDir);
        if (target == null) {
            Permissions.check(caller, newDir, XattrReader.of(tx), Permissions.W_OK | Permissions.X_OK);
        } else {
            mayDelete(tx, caller, newDir, target, exchange ? newIsDir : isDir);
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
            if (isDir && !newIsDir && newDir.linksCount() >= LINK_MAX && !dirNlink
                    || exchange && !isDir && newIsDir && oldDir.linksCount() >= LINK_MAX && !dirNlink) {
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
                touchDirectory(tx, newParent, -1);
                InodeEditor t = new InodeEditor(target);
                t.linksCount(0).ctime(now());
                InodeStore.write(tx, targetIno, t.raw());
                released = targetIno;
            } else {
                released = dropLink(tx, target);
            }
        }
        dirs.remove(tx, oldParent, oldName);
        if ((flags & RENAME_WHITEOUT) != 0) {
            // A whiteout is a character device 0:0 left under the old name (overlayfs).
            long w = mknod(tx, Caller.ROOT, oldParent, oldName, FileType.CHAR_DEVICE.modeBits(), 0, 0, 0);
            InodeEditor we = new InodeEditor(InodeStore.read(tx, w));
            we.uid(caller.uid()).gid(caller.gid());
            InodeStore.write(tx, w, we.raw());
        }
        dirs.add(tx, newParent, newName, ino, moving.type());
        if (moving.isDirectory() && oldParent != newParent) {
            dirs.setParent(tx, ino, newParent);
            touchDirectory(tx, oldParent, -1);
            touchDirectory(tx, newParent, +1);
        } else {
            touchDirectory(tx, oldParent, 0);
            if (newParent != oldParent) {
                touchDirectory(tx, newParent, 0);
            }
        }
        InodeEditor m = new InodeEditor(InodeStore.read(tx, ino));
        m.ctime(now());
        InodeStore.write(tx, ino, m.raw());
        return released;
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
            touchDirectory(tx, oldParent, -delta);
            touchDirectory(tx, newParent, delta);
        } else {
            touchDirectory(tx, oldParent, 0);
        }
        for (Inode changed : new Inode[] {a, b}) {
            InodeEditor e = new InodeEditor(InodeStore.read(tx, changed.ino()));
            e.ctime(now());
            InodeStore.write(tx, changed.ino(), e.raw());
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

    /**
     * The checks before adding {@code name} to {@code parent}, in the kernel's order: a
     * directory, search permission and a valid name (the lookup), no such entry (EEXIST), then
     * write permission (may_create).
     */
    private Inode newEntryDirectory(Transaction tx, Caller caller, long parent, byte[] name) {
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
    private static void lookupCheck(Transaction tx, Caller caller, Inode dir, byte[] name) {
        Permissions.check(caller, dir, XattrReader.of(tx), Permissions.X_OK);
        checkName(name);
    }

    private Inode requireDirectory(Transaction tx, long ino) {
        Inode dir = InodeStore.read(tx, ino);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        return dir;
    }

    private long existing(Transaction tx, Caller caller, Inode dir, byte[] name) {
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
    private static void mayDelete(Transaction tx, Caller caller, Inode dir, Inode victim, boolean isDir) {
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

    /** One link fewer; returns the inode number when none is left, else -1. */
    private long dropLink(Transaction tx, Inode victim) {
        InodeEditor e = new InodeEditor(victim);
        int links = Math.max(0, victim.linksCount() - 1);
        e.linksCount(links).ctime(now());
        InodeStore.write(tx, victim.ino(), e.raw());
        return links == 0 ? victim.ino() : -1;
    }

    /** A directory changed: mtime and ctime now, link count adjusted by {@code linkDelta} (subdirectories). */
    private void touchDirectory(Transaction tx, long dir, int linkDelta) {
        Inode d = InodeStore.read(tx, dir);
        InodeEditor e = new InodeEditor(d);
        Timestamp now = now();
        e.mtime(now).ctime(now);
        int links = d.linksCount();
        if (linkDelta > 0) {
            // dir_nlink: past the limit the count sticks at 1, meaning "not counted".
            links = links == 1 || links + 1 >= LINK_MAX ? 1 : links + 1;
        } else if (linkDelta < 0 && links > 2) {
            links--;
        }
        e.linksCount(links);
        InodeStore.write(tx, dir, e.raw());
    }

    /**
     * A fresh inode record for a new file of {@code mode} in {@code dir}, allocated and owned by
     * the caller. Its permission bits are masked by {@code umask}, or by {@code inherited} (the
     * directory's default ACL) when there is one: the kernel strips setgid first
     * (vfs_prepare_mode), then lets posix_acl_create mask the mode.
     */
    private InodeEditor newInode(Transaction tx, Caller caller, Inode dir, int mode, int umask, PosixAcl inherited,
            boolean directory) {
        long ino = inodes.allocate(tx, dir.ino(), directory);
        InodeEditor e = new InodeEditor(InodeStore.read(tx, ino));
        long gid = caller.gid();
        if ((mode & 02010) == 02010 && !directory && (dir.mode() & 02000) != 0
                && !(caller.isRoot() || caller.inGroup(dir.gid()))) {
            mode &= ~02000; // mode_strip_sgid: no setgid-executable file for a group the creator is not in
        }
        mode = inherited == null ? mode & ~(umask & 0777) : inherited.maskedForCreate(mode).applyToMode(mode);
        if ((dir.mode() & 02000) != 0) {
            // A setgid directory gives its group to new entries, and its setgid bit to new directories.
            gid = dir.gid();
            if (directory) {
                mode |= 02000;
            }
        }
        Superblock sb = fs.superblock();
        Timestamp now = now();
        e.mode(mode).uid(caller.uid()).gid(gid).linksCount(1)
                .generation(ThreadLocalRandom.current().nextInt())
                .flags(inheritedFlags(dir.flags(), mode))
                .extraIsize(sb.inodeSize() > Superblock.GOOD_OLD_INODE_SIZE ? Math.max(32, sb.wantExtraIsize()) : 0)
                .atime(now).mtime(now).ctime(now).crtime(now);
        return e;
    }

    /**
     * Gives new inode {@code ino}, written with its final mode, the ACLs it inherits from its
     * directory's default ACL {@code inherited} (null: none), as ext4_init_acl does: a directory
     * keeps the default ACL as its own, and the access ACL (the default one masked by the mode,
     * which masking again leaves as it is) is stored unless the mode says it all.
     */
    private void storeInherited(Transaction tx, long ino, PosixAcl inherited) {
        if (inherited == null) {
            return;
        }
        Inode inode = InodeStore.read(tx, ino);
        if (inode.isDirectory()) {
            dirs.storeAcl(tx, ino, XattrWriter.POSIX_ACL_DEFAULT, inherited);
        }
        PosixAcl access = inherited.maskedForCreate(inode.mode());
        if (!access.isEquivalentToMode()) {
            dirs.storeAcl(tx, ino, XattrWriter.POSIX_ACL_ACCESS, access);
        }
    }

    /** The flags a new inode of {@code mode} takes from its directory's {@code dirFlags}. */
    private static int inheritedFlags(int dirFlags, int mode) {
        int flags = dirFlags & INHERITED_FLAGS;
        FileType type = FileType.fromMode(mode);
        if (type == FileType.DIRECTORY) {
            return flags;
        }
        return flags & (type == FileType.REGULAR ? REGULAR_FLAG_MASK : OTHER_FLAG_MASK);
    }

    /** An empty extent-tree root for i_block (or all zeros for an indirect map without the extent feature). */
    private byte[] emptyMapRoot() {
        byte[] root = new byte[Inode.I_BLOCK_SIZE];
        if (extentsFlag() != 0) {
            ExtentTree.putEmptyRoot(root, 0);
        }
        return root;
    }

    private int extentsFlag() {
        return fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS) ? InodeFlags.EXT4_EXTENTS_FL : 0;
    }

    private Timestamp now() {
        Instant t = clock.instant();
        return new Timestamp(t.getEpochSecond(), t.getNano());
    }

    private static boolean isDot(byte[] name) {
        return name.length == 1 && name[0] == '.';
    }

    private static boolean isDotDot(byte[] name) {
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
