package org.ext4j.core.spi;

/**
 * The inode flags in their second form: {@link WritableFileSystem#getflags} and
 * {@link WritableFileSystem#setflags} speak the FS_*_FL word of FS_IOC_GETFLAGS/SETFLAGS, while
 * FS_IOC_FSGETXATTR/FSSETXATTR (xfs_io, and the kernel itself before every SETFLAGS) speak the
 * FS_XFLAG_* word of struct fsxattr. The kernel's rule, which every backend that answers both
 * must follow: seven flags have an xflag form, one to one (fileattr_fill_flags and
 * fileattr_fill_xflags in fs/ioctl.c); FSSETXATTR replaces those seven and leaves every other flag
 * as it was (vfs_fileattr_set keeps {@code old & ~FS_COMMON_FL}).
 */
public final class FsXflags {
    /** Each FS_*_FL bit with an xflag form, beside its FS_XFLAG_* bit (uapi/linux/fs.h). */
    private static final int[][] FLAG_TO_XFLAG = {
        {0x00000008, 0x00000020}, // FS_SYNC_FL, FS_XFLAG_SYNC
        {0x00000010, 0x00000008}, // FS_IMMUTABLE_FL, FS_XFLAG_IMMUTABLE
        {0x00000020, 0x00000010}, // FS_APPEND_FL, FS_XFLAG_APPEND
        {0x00000040, 0x00000080}, // FS_NODUMP_FL, FS_XFLAG_NODUMP
        {0x00000080, 0x00000040}, // FS_NOATIME_FL, FS_XFLAG_NOATIME
        {0x02000000, 0x00008000}, // FS_DAX_FL, FS_XFLAG_DAX
        {0x20000000, 0x00000200}, // FS_PROJINHERIT_FL, FS_XFLAG_PROJINHERIT
    };

    private FsXflags() {
    }

    /** The fsx_xflags word FS_IOC_FSGETXATTR reports for inode flags {@code flags}. */
    public static int of(int flags) {
        int xflags = 0;
        for (int[] pair : FLAG_TO_XFLAG) {
            if ((flags & pair[0]) != 0) {
                xflags |= pair[1];
            }
        }
        return xflags;
    }

    /**
     * The inode flags after FS_IOC_FSSETXATTR with {@code xflags} on an inode whose flags were
     * {@code flags}: every flag with an xflag form as {@code xflags} says, the others unchanged.
     */
    public static int withXflags(int flags, int xflags) {
        int out = flags;
        for (int[] pair : FLAG_TO_XFLAG) {
            out = (xflags & pair[1]) != 0 ? out | pair[0] : out & ~pair[0];
        }
        return out;
    }
}
