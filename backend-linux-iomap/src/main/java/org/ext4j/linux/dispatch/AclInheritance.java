package org.ext4j.linux.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.xattr.PosixAcl;

/**
 * What the kernel's posix_acl_create does for a filesystem that announced FUSE_POSIX_ACL: the
 * server, not the kernel, gives a new inode the access ACL (and, for a directory, the default
 * ACL) inherited from its parent's default ACL, and ignores the umask when the parent has one.
 * The kernel also leaves the umask to the server (FUSE_DONT_MASK) so that this choice is possible.
 */
final class AclInheritance {
    static final String ACCESS = "system.posix_acl_access";
    static final String DEFAULT = "system.posix_acl_default";

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    private AclInheritance() {
    }

    /** The default ACL of directory {@code parent} in VFS xattr form, if it has one. */
    static Optional<byte[]> parentDefault(WritableFileSystem fs, long parent) {
        try {
            return Optional.of(fs.getxattr(parent, DEFAULT));
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.ENODATA) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The mode to create with: the requested mode as it is when the parent has a default ACL (the
     * ACL takes the umask's place), else the mode without the umask's bits. Symbolic links are
     * always 0777 and never inherit.
     */
    static int creationMode(int mode, int umask, boolean parentHasDefault) {
        if ((mode & S_IFMT) == S_IFLNK || parentHasDefault) {
            return mode;
        }
        return mode & ~(umask & 0777);
    }

    /**
     * Applies the parent's default ACL to the new inode {@code ino} created with {@code mode}:
     * the access ACL is the default one with its owner, mask (or owning group) and other entries
     * limited to the mode's bits (posix_acl_create_masq); the core then sets the mode's rwx bits
     * from it and drops it when the mode says it all. A new directory also gets the default ACL.
     */
    static void apply(WritableFileSystem fs, long ino, int mode, byte[] parentDefault) {
        if ((mode & S_IFMT) == S_IFLNK) {
            return;
        }
        PosixAcl inherited = PosixAcl.fromXattr(parentDefault);
        if ((mode & S_IFMT) == S_IFDIR) {
            fs.setxattr(Caller.ROOT, ino, DEFAULT, parentDefault, 0);
        }
        fs.setxattr(Caller.ROOT, ino, ACCESS, masked(inherited, mode).toXattr(), 0);
    }

    /** posix_acl_create_masq: each class entry keeps only the permissions the mode grants that class. */
    static PosixAcl masked(PosixAcl acl, int mode) {
        boolean hasMask = acl.entries().stream().anyMatch(e -> e.tag() == PosixAcl.ACL_MASK);
        List<PosixAcl.Entry> out = new ArrayList<>();
        for (PosixAcl.Entry e : acl.entries()) {
            int perm = e.perm();
            switch (e.tag()) {
                case PosixAcl.ACL_USER_OBJ -> perm &= (mode >> 6) & 7;
                case PosixAcl.ACL_MASK -> perm &= (mode >> 3) & 7;
                case PosixAcl.ACL_GROUP_OBJ -> perm = hasMask ? perm : perm & (mode >> 3) & 7;
                case PosixAcl.ACL_OTHER -> perm &= mode & 7;
                default -> {
                    // Named users and groups keep their entries; the mask limits them.
                }
            }
            out.add(new PosixAcl.Entry(e.tag(), perm, e.id()));
        }
        return new PosixAcl(out);
    }
}
