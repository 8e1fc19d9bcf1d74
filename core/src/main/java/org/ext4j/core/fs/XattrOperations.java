package org.ext4j.core.fs;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.xattr.XattrWriter;

/**
 * Extended attributes and POSIX ACLs as the VFS sees them: getxattr, listxattr, setxattr and
 * removexattr with the kernel's xattr_permission, the access ACL that follows a chmod, and the
 * file capabilities a write, truncate or chown drops (killpriv).
 */
final class XattrOperations {
    static final String ACL_ACCESS = "system.posix_acl_access";
    static final String ACL_DEFAULT = "system.posix_acl_default";
    private static final String SECURITY_CAPABILITY = "security.capability";

    private final MountState mount;
    private final LiveInodes inodes;

    XattrOperations(MountState mount, LiveInodes inodes) {
        this.mount = mount;
        this.inodes = inodes;
    }

    /**
     * The value of {@code name}. POSIX ACLs come back in the VFS xattr form (version 2) that
     * getxattr(2) returns, not ext4's compact on-disk form.
     */
    byte[] get(long ino, String name) {
        Inode inode = inodes.liveInode(ino);
        byte[] value = mount.xattrs.get(inode, name).orElseThrow(
                () -> new Ext4Exception(Errno.ENODATA, "inode " + ino + " has no extended attribute " + name));
        if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
            return PosixAcl.fromDisk(value).toXattr();
        }
        return value;
    }

    List<String> list(long ino) {
        return mount.xattrs.names(inodes.liveInode(ino));
    }

    /**
     * Sets {@code name}. Setting an access ACL rewrites the mode's rwx bits from it and, when the
     * caller is neither in the file's group nor root, clears setgid (posix_acl_update_mode).
     */
    void set(Caller caller, long ino, String name, byte[] value, int flags) {
        mount.requireWritable();
        if (name.equals(ACL_ACCESS)) {
            change(caller, ino, name, (tx, writer) -> writer.setAcl(tx, ino, name, value,
                    caller.isRoot() || caller.inGroup(InodeStore.read(tx, ino).gid())));
            return;
        }
        XattrWriter.SetMode mode = (flags & WritableFileSystem.XATTR_CREATE) != 0 ? XattrWriter.SetMode.CREATE_ONLY
                : (flags & WritableFileSystem.XATTR_REPLACE) != 0 ? XattrWriter.SetMode.REPLACE_ONLY
                : XattrWriter.SetMode.CREATE_OR_REPLACE;
        change(caller, ino, name, (tx, writer) -> writer.set(tx, ino, name, value, mode));
    }

    void remove(Caller caller, long ino, String name) {
        mount.requireWritable();
        change(caller, ino, name, (tx, writer) -> writer.remove(tx, ino, name));
    }

    /**
     * The kernel's xattr_permission before any change: immutable/append-only inodes refuse,
     * trusted.* and security.* need root, user.* only on files and directories and with write
     * permission, POSIX ACLs only by the owner or root. ctime moves with the change.
     */
    private void change(Caller caller, long ino, String name, BiConsumer<Transaction, XattrWriter> change) {
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > 255) {
            throw new Ext4Exception(Errno.ERANGE, "xattr name of " + nameBytes + " bytes");
        }
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = inodes.liveInode(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            boolean owner = caller.isRoot() || caller.uid() == inode.uid();
            if (name.startsWith("trusted.")) {
                if (!caller.isRoot()) {
                    throw new Ext4Exception(Errno.EPERM, name + " may only be changed by root");
                }
            } else if (name.startsWith("user.")) {
                if (inode.type() != FileType.REGULAR && inode.type() != FileType.DIRECTORY) {
                    throw new Ext4Exception(Errno.EPERM, "user xattrs exist only on files and directories");
                }
                if (inode.isDirectory() && (inode.mode() & 01000) != 0 && !owner) {
                    throw new Ext4Exception(Errno.EPERM, "user xattrs of a sticky directory belong to its owner");
                }
                Permissions.check(caller, inode, XattrReader.of(tx), Permissions.W_OK);
            } else if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
                if (!owner) {
                    throw new Ext4Exception(Errno.EPERM, "only the owner may change the ACL of inode " + ino);
                }
            } else if (!name.startsWith("security.")) {
                // xattr_permission checks write permission before the filesystem rejects the namespace.
                Permissions.check(caller, inode, XattrReader.of(tx), Permissions.W_OK);
            }
            change.accept(tx, mount.writers().xattrs());
            InodeEditor e = new InodeEditor(InodeStore.read(tx, ino));
            e.ctime(mount.now());
            InodeStore.write(tx, ino, e.raw());
            tx.commit();
        }
    }

    /**
     * posix_acl_chmod: an access ACL follows the new mode (owner, group-or-mask and other
     * entries), and goes away when what is left says no more than the mode does.
     */
    void chmodAcl(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        Optional<byte[]> stored = XattrReader.of(tx).get(inode, ACL_ACCESS);
        if (stored.isPresent()) {
            PosixAcl updated = PosixAcl.fromDisk(stored.get()).withMode(inode.mode());
            mount.writers().xattrs().setAcl(tx, ino, ACL_ACCESS, updated.toXattr(), true);
        }
    }

    /**
     * The kernel's killpriv: a write, a truncate or a chown of a file drops its file
     * capabilities (security.capability), whoever the caller is.
     */
    void killPriv(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        if (XattrReader.of(tx).get(inode, SECURITY_CAPABILITY).isPresent()) {
            mount.writers().xattrs().remove(tx, ino, SECURITY_CAPABILITY);
        }
    }
}
