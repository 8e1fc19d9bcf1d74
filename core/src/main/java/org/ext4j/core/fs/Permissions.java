package org.ext4j.core.fs;

import java.util.Optional;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.xattr.XattrWriter;

/**
 * The permission rules of the kernel's generic_permission with POSIX ACLs (posix_acl_permission):
 * the owner class, then named users, then the owning and named groups (any matching group entry
 * that grants everything asked for, limited by the mask), then other; root passes every check
 * except execute on a non-directory whose mode has no execute bit at all.
 */
public final class Permissions {
    public static final int R_OK = 4;
    public static final int W_OK = 2;
    public static final int X_OK = 1;

    private Permissions() {
    }

    /**
     * True when {@code caller} may access {@code inode} for {@code mask}. The access ACL is read
     * through {@code xattrs} only when it can matter: the caller is neither root nor the owner
     * and the mode has group bits (with an ACL they are its mask, and a zero mask grants nothing
     * beyond other).
     */
    public static boolean allowed(Caller caller, Inode inode, XattrReader xattrs, int mask) {
        int mode = inode.mode();
        boolean aclMatters = !caller.isRoot() && caller.uid() != inode.uid() && (mode & 0070) != 0;
        PosixAcl acl = aclMatters ? accessAcl(xattrs, inode).orElse(null) : null;
        return allowed(caller, mode, inode.uid(), inode.gid(), acl, mask);
    }

    /**
     * inode_permission: EPERM when {@code mask} asks to write an immutable inode (before the
     * mode is looked at, so also for root and for callers the mode would refuse), else EACCES
     * unless {@link #allowed(Caller, Inode, XattrReader, int)}. An immutable directory thereby
     * refuses every entry added or removed.
     */
    public static void check(Caller caller, Inode inode, XattrReader xattrs, int mask) {
        if ((mask & W_OK) != 0 && inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + inode.ino() + " is immutable");
        }
        if (!allowed(caller, inode, xattrs, mask)) {
            throw new Ext4Exception(Errno.EACCES, "permission denied on inode " + inode.ino());
        }
    }

    /**
     * True when {@code caller} may access a file of {@code mode}, owned by uid/gid and carrying
     * the access ACL {@code acl} (null: none), for {@code mask}.
     */
    public static boolean allowed(Caller caller, int mode, long uid, long gid, PosixAcl acl, int mask) {
        mask &= 7;
        if (caller.isRoot()) {
            // CAP_DAC_OVERRIDE: everything but executing a file nobody may execute (mode bits, not the ACL).
            if ((mask & X_OK) == 0 || FileType.fromMode(mode) == FileType.DIRECTORY) {
                return true;
            }
            return (mode & 0111) != 0;
        }
        if (caller.uid() == uid) {
            return (((mode >> 6) & 7) & mask) == mask;
        }
        if (acl != null && (mode & 0070) != 0) {
            return aclGrants(caller, gid, acl, mask);
        }
        int granted = caller.inGroup(gid) ? (mode >> 3) & 7 : mode & 7;
        return (granted & mask) == mask;
    }

    /** The access ACL of {@code inode}, if it has one. */
    static Optional<PosixAcl> accessAcl(XattrReader xattrs, Inode inode) {
        return xattrs.get(inode, XattrWriter.POSIX_ACL_ACCESS).map(PosixAcl::fromDisk);
    }

    /**
     * posix_acl_permission for a caller who is not the owner: a named user entry decides alone
     * (through the mask); otherwise every group entry the caller belongs to is tried, and one
     * that grants all of {@code mask} (through the mask) is enough; a caller in some group class
     * entry that grants too little is refused without looking at other; everybody else gets other.
     */
    private static boolean aclGrants(Caller caller, long gid, PosixAcl acl, int mask) {
        int maskPerm = 7;
        for (PosixAcl.Entry e : acl.entries()) {
            if (e.tag() == PosixAcl.ACL_MASK) {
                maskPerm = e.perm();
            }
        }
        boolean inSomeGroup = false;
        for (PosixAcl.Entry e : acl.entries()) {
            switch (e.tag()) {
                case PosixAcl.ACL_USER:
                    if (e.id() == caller.uid()) {
                        return (e.perm() & maskPerm & mask) == mask;
                    }
                    break;
                case PosixAcl.ACL_GROUP_OBJ:
                case PosixAcl.ACL_GROUP:
                    long id = e.tag() == PosixAcl.ACL_GROUP_OBJ ? gid : e.id();
                    if (caller.inGroup(id)) {
                        inSomeGroup = true;
                        if ((e.perm() & mask) == mask) {
                            return (maskPerm & mask) == mask;
                        }
                    }
                    break;
                case PosixAcl.ACL_OTHER:
                    return !inSomeGroup && (e.perm() & mask) == mask;
                default:
                    break;
            }
        }
        // An ACL without an OTHER entry fails validation on every path that stores one; refuse.
        return false;
    }
}
