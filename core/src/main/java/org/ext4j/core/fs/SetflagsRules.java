package org.ext4j.core.fs;

import static org.ext4j.core.inode.InodeFlags.*;

import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The kernel's rules for FS_IOC_SETFLAGS on ext4 (vfs_fileattr_set, fileattr_set_prepare,
 * ext4_fileattr_set, ext4_ioctl_setflags): which i_flags a caller may change and what i_flags
 * the inode ends with.
 */
final class SetflagsRules {
    /** EXT4_EOFBLOCKS_FL, retired but still in the kernel's modifiable mask. */
    static final int EOFBLOCKS = 0x00400000;

    /** The flags FS_IOC_SETFLAGS changes (EXT4_FL_USER_MODIFIABLE). */
    static final int USER_MODIFIABLE = EXT4_SECRM_FL | EXT4_UNRM_FL | EXT4_COMPR_FL | EXT4_SYNC_FL
            | EXT4_IMMUTABLE_FL | EXT4_APPEND_FL | EXT4_NODUMP_FL | EXT4_NOATIME_FL | EXT4_JOURNAL_DATA_FL
            | EXT4_NOTAIL_FL | EXT4_DIRSYNC_FL | EXT4_TOPDIR_FL | EXT4_EXTENTS_FL | EOFBLOCKS | EXT4_DAX_FL
            | EXT4_PROJINHERIT_FL | EXT4_CASEFOLD_FL;

    /** The flags FS_IOC_GETFLAGS shows (EXT4_FL_USER_VISIBLE): dirty, comprblk, nocompr, encrypt, index, verity, inline data besides. */
    static final int USER_VISIBLE = USER_MODIFIABLE | 0x100 | 0x200 | 0x400 | EXT4_ENCRYPT_FL | EXT4_INDEX_FL
            | EXT4_VERITY_FL | EXT4_INLINE_DATA_FL;

    /** Flags that mean nothing on a regular file (EXT4_REG_FLMASK is everything else). */
    private static final int DIRECTORY_ONLY = EXT4_DIRSYNC_FL | EXT4_TOPDIR_FL | EXT4_CASEFOLD_FL | EXT4_PROJINHERIT_FL;
    /** The only flags other inodes (symlinks, devices, fifos, sockets) may carry (EXT4_OTHER_FLMASK). */
    private static final int OTHER_ALLOWED = EXT4_NODUMP_FL | EXT4_NOATIME_FL;
    /** DAX cannot go with these (EXT4_DAX_MUT_EXCL). */
    private static final int DAX_EXCLUSIVE = EXT4_VERITY_FL | EXT4_ENCRYPT_FL | EXT4_JOURNAL_DATA_FL;

    private SetflagsRules() {
    }

    /** What {@code requested} asks beyond flipping plain bits, for the caller to do or refuse. */
    record Outcome(int newFlags, boolean migrateExtents) {
    }

    /**
     * The i_flags inode {@code ino} (mode, owner, current i_flags) ends with when {@code caller}
     * asks for {@code requested}; {@code hasJournal} decides whether JOURNAL_DATA can change and
     * {@code hasCasefold} whether CASEFOLD can.
     */
    static Outcome apply(Caller caller, int mode, long uid, int oldFlags, int requested, boolean hasJournal,
            boolean hasCasefold, long ino) {
        if (!caller.isRoot() && caller.uid() != uid) {
            throw new Ext4Exception(Errno.EPERM, "only the owner may change the flags of inode " + ino);
        }
        int visible = oldFlags & USER_VISIBLE;
        if (((visible ^ requested) & (EXT4_APPEND_FL | EXT4_IMMUTABLE_FL)) != 0 && !caller.isRoot()) {
            throw new Ext4Exception(Errno.EPERM, "only root may change the immutable and append-only flags of inode " + ino);
        }
        if ((requested & ~USER_VISIBLE) != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, String.format("flags 0x%x are not user-visible", requested & ~USER_VISIBLE));
        }
        int flags = requested & USER_MODIFIABLE;
        FileType type = FileType.fromMode(mode);
        int allowed = type == FileType.DIRECTORY ? ~0 : type == FileType.REGULAR ? ~DIRECTORY_ONLY : OTHER_ALLOWED;
        if ((flags & allowed) != flags) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, String.format("flags 0x%x cannot be set on a %s (inode %d)",
                    flags & ~allowed, type.name().toLowerCase(), ino));
        }
        // While immutable stays set nothing else may change (ext4_ioctl_check_immutable). The
        // kernel compares against all of i_flags, so an immutable inode with a flag that is not
        // user-modifiable (an indexed directory, inline data) cannot take any request that keeps it immutable.
        if ((oldFlags & EXT4_IMMUTABLE_FL) != 0 && (flags & EXT4_IMMUTABLE_FL) != 0
                && (oldFlags & ~EXT4_IMMUTABLE_FL) != (flags & ~EXT4_IMMUTABLE_FL)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable: clear that flag first");
        }
        if (((flags ^ oldFlags) & EXT4_JOURNAL_DATA_FL) != 0 && !caller.isRoot()) {
            throw new Ext4Exception(Errno.EPERM, "only root may change the data journaling of inode " + ino);
        }
        boolean daxOk = ((flags & EXT4_DAX_FL) == 0 || (oldFlags & DAX_EXCLUSIVE) == 0)
                && ((flags & DAX_EXCLUSIVE) == 0 || (oldFlags & EXT4_DAX_FL) == 0);
        if (!daxOk) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "DAX cannot go with data journaling, encryption or verity (inode " + ino + ")");
        }
        if (((flags ^ oldFlags) & EXT4_CASEFOLD_FL) != 0 && !hasCasefold) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "the filesystem has no casefold feature");
        }
        int plain = USER_MODIFIABLE & ~EXT4_JOURNAL_DATA_FL & ~EXT4_EXTENTS_FL;
        int result = (oldFlags & ~plain) | (flags & plain);
        if (hasJournal) {
            result = (result & ~EXT4_JOURNAL_DATA_FL) | (flags & EXT4_JOURNAL_DATA_FL);
        }
        return new Outcome(result, ((flags ^ oldFlags) & EXT4_EXTENTS_FL) != 0);
    }
}
