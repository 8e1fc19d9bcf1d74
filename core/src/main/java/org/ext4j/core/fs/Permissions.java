package org.ext4j.core.fs;

import org.ext4j.core.inode.FileType;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The POSIX permission rules the kernel's generic_permission applies (without ACLs): owner,
 * then group (primary or supplementary), then other; root passes every check except execute
 * on a non-directory with no execute bit at all.
 */
public final class Permissions {
    public static final int R_OK = 4;
    public static final int W_OK = 2;
    public static final int X_OK = 1;

    private Permissions() {
    }

    /** True when {@code caller} may access a file of {@code mode}, owned by uid/gid, for {@code mask}. */
    public static boolean allowed(Caller caller, int mode, long uid, long gid, int mask) {
        mask &= 7;
        if (caller.isRoot()) {
            if ((mask & X_OK) == 0 || FileType.fromMode(mode) == FileType.DIRECTORY) {
                return true;
            }
            return (mode & 0111) != 0;
        }
        int granted;
        if (caller.uid() == uid) {
            granted = (mode >> 6) & 7;
        } else if (caller.inGroup(gid)) {
            granted = (mode >> 3) & 7;
        } else {
            granted = mode & 7;
        }
        return (granted & mask) == mask;
    }

    /** Throws EACCES unless {@link #allowed}. */
    public static void check(Caller caller, int mode, long uid, long gid, int mask, long ino) {
        if (!allowed(caller, mode, uid, gid, mask)) {
            throw new Ext4Exception(Errno.EACCES, "permission denied on inode " + ino);
        }
    }
}
