package org.ext4j.winfsp.abi;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.host.DevT;
import org.ext4j.core.spi.Errno;
import org.ext4j.highlevel.abi.EntryPoints;
import org.ext4j.highlevel.abi.ErrnoTable;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.FlagTable;
import org.ext4j.highlevel.abi.LibfuseDialect;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.OperationSlots;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.abi.StatLayout;
import org.ext4j.highlevel.abi.StatvfsLayout;

/**
 * The facts of WinFsp's FUSE3 layer on 64-bit Windows, as the binding needs them. Sources:
 * WinFsp's headers (inc/fuse/winfsp_fuse.h: the fuse_* types of _WIN64, struct fuse_stat,
 * struct fuse_statvfs, struct fuse_timespec; inc/fuse3/fuse_common.h: struct fuse3_file_info,
 * fuse3_conn_info, FUSE_CAP_*, FUSE_MAKE_VERSION; inc/fuse3/fuse.h: the 40-slot
 * fuse3_operations, fuse3_config, fuse3_context and the env-less exports; inc/fuse/fuse_common.h:
 * FSP_FUSE_CAP_*) and the MSVC CRT's errno.h and fcntl.h. x64 and arm64 share every layout: the
 * members are fixed-width and both ABIs align them naturally. Windows is LLP64 (a C long has 32
 * bits), which is why WinFsp's headers use no long and neither does anything here.
 */
public final class WinFsp {
    private WinFsp() {
    }

    /**
     * struct fuse_stat (128 bytes): fuse_dev_t (uint32) at 0, fuse_ino_t (uint64) at 8,
     * fuse_mode_t (uint32) at 16, fuse_nlink_t (uint16) at 20, uid and gid (uint32) at 24 and 28,
     * st_rdev (uint32) at 32, fuse_off_t size at 40, three struct fuse_timespec (two int64) at 48,
     * 64 and 80, fuse_blksize_t (int32) at 96, fuse_blkcnt_t (int64) at 104 and the birth time at
     * 112. No flags: those are in fuse_stat_ex, which ext4j does not ask for (FSP_FUSE_CAP_STAT_EX).
     */
    public static final StatLayout STAT = new StatLayout(128, new Field(0, 4), new Field(8, 8), new Field(20, 2),
            new Field(16, 4), new Field(24, 4), new Field(28, 4), new Field(32, 4), new Field(40, 8), new Field(96, 4),
            new Field(104, 8), null, 48, 64, 80, 112);

    /** struct fuse_statvfs on _WIN64: eleven 64-bit fields in glibc's order, 88 bytes. */
    public static final StatvfsLayout STATVFS = new StatvfsLayout(88, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 8), new Field(32, 8), new Field(40, 8), new Field(48, 8), new Field(56, 8),
            new Field(64, 8), new Field(72, 8), new Field(80, 8));

    /** fuse3_operations: libfuse 3.2's first 40 slots, getattr to fallocate (no copy_file_range, no lseek). */
    public static final OperationSlots OPERATIONS = new OperationSlots("WinFsp FUSE3",
            List.of(Operation.values()).subList(0, Operation.FALLOCATE.ordinal() + 1));

    /** FUSE_CAP_READDIRPLUS (1 << 13): WinFsp's layer then takes the stat from readdir's filler. */
    public static final long CAP_READDIRPLUS = 1L << 13;
    /** FSP_FUSE_CAP_READ_ONLY (1 << 22): the volume is write-protected for Windows. */
    public static final long CAP_READ_ONLY = 1L << 22;
    /** FSP_FUSE_CAP_CASE_INSENSITIVE (1 << 29): never asked for, ext4 names are case-sensitive. */
    public static final long CAP_CASE_INSENSITIVE = 1L << 29;

    /**
     * The symbols WinFsp's DLL exports for FFI callers (src/dll/fuse3/fuse3_compat.c, the
     * FSP_FUSE_SYM functions of inc/fuse3/fuse.h compiled with FUSE_USE_VERSION unset): fuse3_new,
     * fuse3_loop_mt_31 and the others, no env argument. fuse3_version() says 32
     * (FUSE_MAKE_VERSION(3, 2) is 3 * 10 + 2). fuse3_exit stops the loop, which takes the drive
     * away. fuse_opt_free_args keeps its name (WinFsp's FUSE2 layer exports it).
     */
    public static final EntryPoints ENTRY_POINTS = new EntryPoints(Map.of("fuse_version", "fuse3_version",
            "fuse_new_31", "fuse3_new", "fuse_mount", "fuse3_mount", "fuse_unmount", "fuse3_unmount", "fuse_destroy",
            "fuse3_destroy", "fuse_exit", "fuse3_exit", "fuse_loop_mt_31", "fuse3_loop_mt_31", "fuse_get_context",
            "fuse3_get_context", "fuse_getgroups", "fuse3_getgroups"), 10, true, true);

    /**
     * struct fuse3_file_info: flags at 0, six one-bit flags in the word at 4, and padding:27, which
     * does not fit beside them and takes the word at 8, so fh is at 16 as in libfuse3.
     */
    public static final Field FILE_HANDLE = new Field(16, 8);

    /**
     * The dialect: 32-bit fuse_dev_t, no xattr position. Left empty although the table has them,
     * because WinFsp's FUSE layer never calls them (its header marks them unsupported): link
     * (Windows' hard links are not passed on), fallocate (allocation sizes are set with truncate)
     * and lock/flock (the FSD keeps Windows' byte-range locks itself), which ext4j leaves empty
     * everywhere anyway.
     */
    public static final LibfuseDialect DIALECT = new LibfuseDialect("WinFsp FUSE3", OPERATIONS, false, 4, 0,
            Set.of(Operation.LINK, Operation.FALLOCATE), ENTRY_POINTS, FILE_HANDLE, CAP_READDIRPLUS, CAP_READ_ONLY);

    /** The MSVC CRT's errno numbers (errno.h). */
    public static final ErrnoTable ERRNOS = errnos();

    /**
     * _O_RDONLY 0, _O_WRONLY 1, _O_RDWR 2, _O_APPEND 0x8, _O_CREAT 0x100, _O_TRUNC 0x200,
     * _O_EXCL 0x400 (fcntl.h). WinFsp sets the access mode on open and _O_CREAT | _O_EXCL | _O_RDWR
     * on create; the other bits are translated all the same.
     */
    public static final FlagTable OPEN_FLAGS = FlagTable.of(3, 0, 0, 3, 1, 1, 3, 2, 2, 0x100, 0x100, 0100,
            0x400, 0x400, 0200, 0x200, 0x200, 01000, 0x8, 0x8, 02000);

    /** WinFsp's rename passes flags 0 (Windows has ReplaceIfExists only, which WinFsp checks itself). */
    public static final FlagTable RENAME_FLAGS = FlagTable.of();

    /** WinFsp sets extended attributes (Windows EAs) with flags 0. */
    public static final FlagTable XATTR_FLAGS = FlagTable.of();

    /** No lseek slot: no whence arrives. */
    public static final FlagTable WHENCE = FlagTable.of();

    /**
     * No UTIME_NOW or UTIME_OMIT arrives: WinFsp's SetBasicInfo reads the time it was not given
     * with getattr and passes both explicitly. Values no tv_nsec can have stand for them.
     */
    public static final long UTIME_NOW = Long.MIN_VALUE;
    public static final long UTIME_OMIT = Long.MIN_VALUE + 1;

    /**
     * fuse_dev_t is 32 bits and WinFsp's types follow Cygwin's, whose dev_t holds the major in the
     * high 16 bits and the minor in the low 16 (sys/sysmacros.h).
     */
    public static final DevT DEVICES = DevT.CYGWIN;

    /**
     * The Windows platform with the given host parts: where WinFsp's DLL was looked for and what
     * to install. No unmount command: fuse3_exit ends the mount.
     */
    public static Platform platform(String name, List<String> libraries, String installHint) {
        return new Platform(name, STAT, STATVFS, ERRNOS, DEVICES, OPEN_FLAGS, RENAME_FLAGS, XATTR_FLAGS, WHENCE,
                UTIME_NOW, UTIME_OMIT, 4, null, DIALECT, libraries, installHint, List.of(), List.of(), null);
    }

    private static ErrnoTable errnos() {
        Map<Errno, Integer> m = new EnumMap<>(Errno.class);
        // 1 to 34 are the historic UNIX numbers on both, except 26 (MSVC's ETXTBSY is 139).
        for (Errno e : Errno.values()) {
            if (e.code() <= 34 && e != Errno.ETXTBSY) {
                m.put(e, e.code());
            }
        }
        m.put(Errno.ETXTBSY, 139);
        m.put(Errno.ENAMETOOLONG, 38);
        m.put(Errno.ENOSYS, 40);
        m.put(Errno.ENOTEMPTY, 41);
        m.put(Errno.ELOOP, 114);
        m.put(Errno.ENODATA, 120);
        m.put(Errno.EOPNOTSUPP, 129); // ENOTSUP; EOPNOTSUPP is 130 on MSVC, a socket error
        m.put(Errno.EOVERFLOW, 132);
        // MSVC has no ESTALE, EUCLEAN or EDQUOT: a stale handle is a bad handle (WinFsp: STATUS_INVALID_HANDLE),
        // damage reaches programs as an I/O error, a full quota as a full disk (STATUS_DISK_FULL).
        m.put(Errno.ESTALE, 9);
        m.put(Errno.EUCLEAN, 5);
        m.put(Errno.EDQUOT, 28);
        return ErrnoTable.of(m);
    }

    /** The operations WinFsp's header marks as supported ("S"), for tests and messages. */
    public static List<Operation> supported() {
        List<Operation> s = new ArrayList<>(OPERATIONS.slots());
        s.removeAll(List.of(Operation.LINK, Operation.ACCESS, Operation.LOCK, Operation.BMAP, Operation.POLL,
                Operation.WRITE_BUF, Operation.READ_BUF, Operation.FLOCK, Operation.FALLOCATE));
        return s;
    }
}
