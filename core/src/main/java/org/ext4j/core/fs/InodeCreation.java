package org.ext4j.core.fs;

import java.util.concurrent.ThreadLocalRandom;
import org.ext4j.core.alloc.InodeAllocator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.ExtentTree;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.xattr.XattrWriter;

/**
 * The operations that make an inode (mknod, mkdir, symlink, O_TMPFILE) and what a new inode
 * takes from its directory as the kernel gives it: owner and group (a setgid directory's group),
 * the mode masked by the umask or by the directory's default ACL, the inherited flags, and the
 * ACLs themselves. See {@link Namespace} for each operation's contract.
 */
final class InodeCreation {
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
    private final DirectoryOps dirs;
    private final LinkCounts links;

    InodeCreation(DiskView fs, InodeAllocator inodes, DirectoryOps dirs, LinkCounts links) {
        this.fs = fs;
        this.inodes = inodes;
        this.dirs = dirs;
        this.links = links;
    }

    long mknod(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask, int major, int minor) {
        int fmt = mode & FileType.S_IFMT;
        if (fmt == FileType.DIRECTORY.modeBits()) {
            throw new Ext4Exception(Errno.EPERM, "mknod cannot make a directory");
        }
        FileType type = fmt == 0 ? FileType.REGULAR : FileType.fromMode(mode);
        if (type == FileType.UNKNOWN || type == FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "mknod of type 0" + Integer.toOctalString(fmt));
        }
        Inode dir = EntryChecks.newEntryDirectory(tx, dirs, caller, parent, name);
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
        links.touchDirectory(tx, parent, 0);
        return child.ino();
    }

    long mkdir(Transaction tx, Caller caller, long parent, byte[] name, int mode, int umask) {
        Inode dir = EntryChecks.newEntryDirectory(tx, dirs, caller, parent, name);
        if (dir.linksCount() >= LinkCounts.LINK_MAX && !fs.superblock().hasRoCompat(Features.RO_COMPAT_DIR_NLINK)) {
            throw new Ext4Exception(Errno.EMLINK, "directory inode " + parent + " has too many subdirectories");
        }
        PosixAcl inherited = dirs.defaultAcl(tx, parent).orElse(null);
        InodeEditor child = newInode(tx, caller, dir, FileType.DIRECTORY.modeBits() | (mode & 01777), umask, inherited, true);
        child.linksCount(2); // the block map (or inline area) is the directory writer's to set up
        InodeStore.write(tx, child.ino(), child.raw());
        storeInherited(tx, child.ino(), inherited);
        dirs.initialize(tx, child.ino(), parent);
        dirs.add(tx, parent, name, child.ino(), FileType.DIRECTORY);
        links.touchDirectory(tx, parent, +1);
        return child.ino();
    }

    long symlink(Transaction tx, Caller caller, long parent, byte[] name, byte[] target) {
        if (target.length == 0) {
            throw new Ext4Exception(Errno.ENOENT, "empty symlink target");
        }
        if (target.length >= 4096) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "symlink target longer than PATH_MAX");
        }
        Inode dir = EntryChecks.newEntryDirectory(tx, dirs, caller, parent, name);
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
        links.touchDirectory(tx, parent, 0);
        return child.ino();
    }

    long tmpfile(Transaction tx, Caller caller, long parent, int mode, int umask) {
        Inode dir = EntryChecks.requireDirectory(tx, parent);
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
        Timestamp now = links.now();
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
}
