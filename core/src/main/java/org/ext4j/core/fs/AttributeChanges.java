package org.ext4j.core.fs;

import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMapMigration;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.XattrReader;

/**
 * Changes to an inode's attributes: setattr (mode, owner, times, and size through a truncate)
 * with what the kernel changes beside them, and the inode flags (getflags, setflags, with the
 * block-map conversion a change of EXTENTS_FL asks for).
 */
final class AttributeChanges {
    private final MountState mount;
    private final LiveInodes inodes;
    private final OpenFiles openFiles;
    private final FileData fileData;
    private final XattrOperations xattrOps;

    AttributeChanges(MountState mount, LiveInodes inodes, OpenFiles openFiles, FileData fileData, XattrOperations xattrOps) {
        this.mount = mount;
        this.inodes = inodes;
        this.openFiles = openFiles;
        this.fileData = fileData;
        this.xattrOps = xattrOps;
    }

    /**
     * setattr(2)'s changes: mode, owner, times and size. Mode, owner and times are changed in one
     * transaction, and with them what the kernel changes beside: chmod rewrites a POSIX access ACL
     * to match the new mode, chown of anything but a directory drops security.capability. A size
     * change is a truncate, checked against the handle when one open for writing is given.
     */
    Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        mount.requireWritable();
        if (changes.size().isPresent()) {
            Inode inode = inodes.liveInode(ino);
            if (inode.isDirectory()) {
                throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
            }
            if (inode.type() != FileType.REGULAR) {
                throw new Ext4Exception(Errno.EINVAL, "only regular files have a size to change");
            }
            if (changes.size().getAsLong() < 0) {
                throw new Ext4Exception(Errno.EINVAL, "negative size");
            }
            // ftruncate on an open handle is checked against the handle, not the mode (the kernel's rule).
            boolean throughWritableHandle = openFiles.isWritableHandle(handle);
            if (!throughWritableHandle) {
                // inode_permission(MAY_WRITE) refuses an immutable inode before it looks at the mode.
                if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                    throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
                }
                Permissions.check(caller, inode, mount.xattrs, Permissions.W_OK);
            }
            fileData.truncate(caller, ino, changes.size().getAsLong());
            changes = changes.withoutSize();
        }
        if (changes.isEmpty()) {
            return inodes.getattr(ino);
        }
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = inodes.liveInode(tx, ino);
            Timestamp now = mount.now();
            SetattrRules.Outcome outcome = SetattrRules.apply(caller, inode, XattrReader.of(tx), changes, now);
            boolean chown = changes.uid().isPresent() || changes.gid().isPresent();
            InodeEditor fields = new InodeEditor(inode);
            fields.mode(outcome.mode()).uid(outcome.uid()).gid(outcome.gid());
            if (outcome.atime() != null) {
                fields.atime(outcome.atime());
            }
            if (outcome.mtime() != null) {
                fields.mtime(outcome.mtime());
            }
            fields.ctime(now);
            InodeStore.write(tx, ino, fields.raw());
            if (changes.mode().isPresent()) {
                xattrOps.chmodAcl(tx, ino);
            }
            if (chown && inode.type() != FileType.DIRECTORY) {
                xattrOps.killPriv(tx, ino);
            }
            tx.commit();
        }
        return inodes.getattr(ino);
    }

    /** The inode flags a caller sees (FS_IOC_GETFLAGS). */
    int getflags(long ino) {
        return inodes.liveInode(ino).flags() & SetflagsRules.USER_VISIBLE;
    }

    /**
     * Sets the inode flags (FS_IOC_SETFLAGS), as the kernel's ext4_ioctl_setflags: the plain flags
     * and ctime are committed first; then, when EXTENTS_FL changes, the block map is converted
     * ({@link BlockMapMigration}). A conversion the kernel refuses (EOPNOTSUPP for an extent tree
     * that does not fit twelve block pointers, EINVAL without the extents feature or with inline
     * data) is refused the same way, after the other flags have changed.
     */
    Attributes setflags(Caller caller, long ino, int flags) {
        mount.requireWritable();
        Superblock sb = mount.fs.superblock();
        SetflagsRules.Outcome outcome;
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = inodes.liveInode(tx, ino);
            outcome = SetflagsRules.apply(caller, inode.mode(), inode.uid(), inode.flags(), flags,
                    sb.hasCompat(Features.COMPAT_HAS_JOURNAL), sb.hasIncompat(Features.INCOMPAT_CASEFOLD), ino);
            InodeEditor fields = new InodeEditor(inode).flags(outcome.newFlags()).ctime(mount.now());
            InodeStore.write(tx, ino, fields.raw());
            tx.commit();
        }
        if (outcome.migrateExtents()) {
            try (Transaction tx = mount.transactions().begin()) {
                if ((flags & InodeFlags.EXT4_EXTENTS_FL) != 0) {
                    BlockMapMigration.toExtents(tx, ino, mount.writers().allocator(), false);
                } else {
                    BlockMapMigration.toIndirect(tx, ino);
                }
                tx.commit();
            }
        }
        return inodes.getattr(ino);
    }
}
