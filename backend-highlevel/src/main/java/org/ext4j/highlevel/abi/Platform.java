package org.ext4j.highlevel.abi;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.ext4j.core.host.DevT;

/**
 * Everything about the host OS, architecture and library dialect that the high-level binding
 * must not guess: struct layouts, errno numbers, open/rename/xattr/whence flag values, dev_t
 * packing, the UTIME_NOW/UTIME_OMIT markers, the width of mode_t, the callback signatures
 * ({@link LibfuseDialect}), where libfuse3 lives and how to unmount. One constant per supported
 * target; another port (macFUSE, WinFsp) brings its own instance, built in its module, rather
 * than branching inside the binding. The host parts (libraries, unmount commands) can be
 * replaced with {@link #withHost}, so that a test can serve one OS's ABI through a stand-in
 * library on another.
 *
 * @param name           for messages ("linux-x86_64")
 * @param stat           the attribute structure of getattr and the readdir filler
 * @param statfs         the structure statfs fills
 * @param modeWidth      sizeof(mode_t): mode arguments and fuse_context.umask are read at this width
 * @param utimeNow       the tv_nsec that means "now" in utimens
 * @param utimeOmit      the tv_nsec that means "leave alone"
 * @param inodeFlags     the OS's file flags (st_flags, chflags) against ext4's FS_*_FL, or null
 *                       where the library carries none
 * @param dialect        the library's variant of the API
 * @param libraries      libfuse3 names or absolute paths to try, newest ABI first
 * @param installHint    what to install when none loads
 * @param unmountCommand the command that unmounts a FUSE mount point from outside the loop
 *                       (the mount point is appended); {@code lazyUnmountCommand} the same for a
 *                       busy mount
 * @param fileAttrIoctls the inode-flag ioctl numbers the kernel forwards (chattr/lsattr), or
 *                       null where it forwards none (FreeBSD's fusefs has no ioctl)
 */
public record Platform(String name, StatLayout stat, FsStatsLayout statfs, ErrnoTable errnos, DevT devices,
        FlagTable openFlags, FlagTable renameFlags, FlagTable xattrFlags, FlagTable whence, long utimeNow,
        long utimeOmit, int modeWidth, FlagTable inodeFlags, LibfuseDialect dialect, List<String> libraries,
        String installHint, List<String> unmountCommand, List<String> lazyUnmountCommand,
        FileAttrIoctls fileAttrIoctls) {

    /**
     * FS_IOC_GETFLAGS and FS_IOC_SETFLAGS as the kernel encodes them: _IOR/_IOW('f', 1/2, long),
     * the 32-bit compat forms with an int, FS_IOC_FSGETXATTR (_IOR('X', 31, struct fsxattr),
     * 28 bytes), which the kernel asks before every SETFLAGS to learn the old state, and
     * FS_IOC_FSSETXATTR (_IOW('X', 32, struct fsxattr)), the xflags form of SETFLAGS.
     */
    public record FileAttrIoctls(int getFlags, int setFlags, int getFlags32, int setFlags32, int fsGetXattr,
            int fsSetXattr) {
        /** Linux (uapi/linux/fs.h), 64-bit. */
        public static final FileAttrIoctls LINUX = new FileAttrIoctls(0x80086601, 0x40086602, 0x80046601, 0x40046602,
                0x801c581f, 0x401c5820);

        /** sizeof(struct fsxattr). */
        public static final int FSXATTR_SIZE = 28;

        public boolean isGet(int cmd) {
            return cmd == getFlags || cmd == getFlags32;
        }

        public boolean isSet(int cmd) {
            return cmd == setFlags || cmd == setFlags32;
        }
    }

    /**
     * Linux open(2) flags the core acts on (asm-generic/fcntl.h), as the core wants them:
     * unchanged, including the kernel's __FMODE_EXEC (040) on the open of execve(2), which lets
     * a program with only its x bit set run.
     */
    private static final FlagTable LINUX_OPEN = FlagTable.of(3, 0, 0, 3, 1, 1, 3, 2, 2, 0200, 0200, 0200,
            01000, 01000, 01000, 02000, 02000, 02000, 01000000, 01000000, 01000000, 040, 040, 040);

    /** FreeBSD's sys/fcntl.h values mapped onto Linux's: O_APPEND 0x8, O_TRUNC 0x400, O_EXCL 0x800. */
    private static final FlagTable FREEBSD_OPEN = FlagTable.of(3, 0, 0, 3, 1, 1, 3, 2, 2, 0x800, 0x800, 0200,
            0x400, 0x400, 01000, 0x8, 0x8, 02000);

    private static final FlagTable LINUX_RENAME = FlagTable.of(1, 1, 1, 2, 2, 2, 4, 4, 4);
    private static final FlagTable LINUX_XATTR = FlagTable.of(1, 1, 1, 2, 2, 2);
    /** SEEK_DATA 3 and SEEK_HOLE 4 on Linux and on FreeBSD alike. */
    private static final FlagTable SEEK_DATA_HOLE = FlagTable.of(-1, 3, 3, -1, 4, 4);
    /** FreeBSD's fusefs sends no rename or xattr flags: any bit is unexpected. */
    private static final FlagTable NONE = FlagTable.of();

    private static final List<String> LINUX_LIBRARIES = List.of("libfuse3.so.4", "libfuse3.so.3");
    private static final String LINUX_HINT = "install libfuse3 (Debian/Ubuntu: apt-get install fuse3 libfuse3-3; "
            + "Fedora: dnf install fuse3)";

    public static final Platform LINUX_X86_64 = linux("linux-x86_64", StatLayout.LINUX_X86_64);
    public static final Platform LINUX_AARCH64 = linux("linux-aarch64", StatLayout.LINUX_AARCH64);
    public static final Platform FREEBSD_AMD64 = new Platform("freebsd-amd64", StatLayout.FREEBSD_AMD64,
            StatvfsLayout.FREEBSD_AMD64, ErrnoTable.FREEBSD, DevT.FREEBSD, FREEBSD_OPEN, NONE, NONE,
            SEEK_DATA_HOLE, -1L, -2L, 2, null, LibfuseDialect.LIBFUSE3,
            List.of("libfuse3.so.4", "libfuse3.so.3", "libfuse3.so"),
            "install libfuse3 (pkg install fusefs-libs3) and load fusefs (kldload fusefs)",
            List.of("umount"), List.of("umount", "-f"), null);

    private static Platform linux(String name, StatLayout stat) {
        return new Platform(name, stat, StatvfsLayout.LINUX_64, ErrnoTable.LINUX, DevT.LINUX, LINUX_OPEN,
                LINUX_RENAME, LINUX_XATTR, SEEK_DATA_HOLE, (1L << 30) - 1, (1L << 30) - 2, 4, null,
                LibfuseDialect.LIBFUSE3, LINUX_LIBRARIES, LINUX_HINT, List.of("fusermount3", "-u"), List.of("fusermount3", "-u", "-z"), FileAttrIoctls.LINUX);
    }

    /** The platform of this JVM, or null when the high-level backend has no layouts for it. */
    public static Platform current() {
        return forName(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** The platform for an os.name / os.arch pair, or null. */
    public static Platform forName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.startsWith("linux")) {
            return x64 ? LINUX_X86_64 : arch.equals("aarch64") ? LINUX_AARCH64 : null;
        }
        if (os.startsWith("freebsd") && x64) {
            return FREEBSD_AMD64;
        }
        return null;
    }

    public Platform {
        libraries = List.copyOf(libraries);
        unmountCommand = List.copyOf(unmountCommand);
        lazyUnmountCommand = List.copyOf(lazyUnmountCommand);
        if (modeWidth != 2 && modeWidth != 4) {
            throw new IllegalArgumentException("mode_t is 2 or 4 bytes, not " + modeWidth);
        }
    }

    /**
     * This ABI on another host: other library names or paths, install hint and unmount commands
     * (a stand-in library that presents this ABI on Linux is unmounted with fusermount3).
     */
    public Platform withHost(List<String> libs, String hint, List<String> unmount, List<String> lazyUnmount) {
        return new Platform(name, stat, statfs, errnos, devices, openFlags, renameFlags, xattrFlags, whence, utimeNow,
                utimeOmit, modeWidth, inodeFlags, dialect, libs, hint, unmount, lazyUnmount, fileAttrIoctls);
    }

    /** The unmount command for {@code mountpoint}. */
    public List<String> unmountCommand(Path mountpoint, boolean lazy) {
        List<String> base = lazy ? lazyUnmountCommand : unmountCommand;
        java.util.ArrayList<String> cmd = new java.util.ArrayList<>(base);
        cmd.add(mountpoint.toString());
        return cmd;
    }

    /** A mode_t argument as the core wants it (the low {@link #modeWidth} bytes). */
    public int mode(long raw) {
        return modeWidth == 2 ? (int) (raw & 0xFFFF) : (int) raw;
    }
}
