package org.ext4j.macfuse.abi;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.host.DevT;
import org.ext4j.core.spi.Errno;
import org.ext4j.highlevel.abi.ErrnoTable;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.FlagTable;
import org.ext4j.highlevel.abi.LibfuseDialect;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.OperationSlots;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.abi.StatLayout;

/**
 * The facts of macOS and of macFUSE 5's libfuse3 with the Darwin extensions on, as the binding
 * needs them. Sources: macFUSE's library headers (include/fuse_common.h: struct fuse_darwin_attr,
 * struct libfuse_version with darwin_extensions_enabled, RENAME_SWAP/RENAME_EXCL;
 * include/fuse.h: the fuse_operations slot order; include/fuse_lowlevel.h: FUSE_SET_ATTR_*)
 * and Apple's xnu headers (bsd/sys/errno.h, fcntl.h, stat.h, xattr.h, mount.h, types.h,
 * _types.h, _types/_seek_set.h). x86_64 and arm64 share every layout here: the members are
 * fixed-width and both ABIs align them naturally.
 */
public final class Darwin {
    private Darwin() {
    }

    /**
     * struct fuse_darwin_attr (192 bytes): ino_t (uint64), mode_t and nlink_t (uint16), uid_t,
     * gid_t, dev_t (int32), five struct timespec (access, modification, change, birth, backup),
     * off_t size, blkcnt_t blocks, blksize_t (int32), unsigned int flags, uint64_t reserved[8].
     * There is no device field.
     */
    public static final StatLayout ATTR = new StatLayout(192, null, new Field(0, 8), new Field(10, 2),
            new Field(8, 2), new Field(12, 4), new Field(16, 4), new Field(20, 4), new Field(104, 8), new Field(120, 4),
            new Field(112, 8), new Field(124, 4), 24, 40, 56, 72);

    /** Offset of bkuptimespec in {@link #ATTR} (never written: ext4 keeps no backup time). */
    public static final int ATTR_BKUPTIME = 88;

    /** macFUSE's fuse_operations: getattr, then its setattr, then libfuse3's order, then chflags, setvolname, monitor. */
    public static final OperationSlots OPERATIONS = operations();

    /**
     * The Darwin extensions: position on set/getxattr, 32-bit dev_t, the darwin_extensions_enabled
     * bit (bit 0 of the last word of struct libfuse_version). fallocate is left empty: macOS has
     * no fallocate(2) with modes, and how macFUSE would map F_PREALLOCATE onto it is not
     * documented, so a request would mean something ext4j cannot know.
     */
    public static final LibfuseDialect DIALECT = new LibfuseDialect("macFUSE (Darwin extensions)", OPERATIONS, true, 4,
            1, Set.of(Operation.FALLOCATE));

    /** macOS's errno numbers (bsd/sys/errno.h). */
    public static final ErrnoTable ERRNOS = errnos();

    /**
     * O_RDONLY/O_WRONLY/O_RDWR 0/1/2, O_APPEND 0x8, O_TRUNC 0x400, O_EXCL 0x800, and O_EXEC
     * 0x40000000 (open for execute only) as the core's exec open (bsd/sys/fcntl.h).
     */
    public static final FlagTable OPEN_FLAGS = FlagTable.of(3, 0, 0, 3, 1, 1, 3, 2, 2, 0x800, 0x800, 0200,
            0x400, 0x400, 01000, 0x8, 0x8, 02000, 0x40000000, 0x40000000, 040);

    /** renamex_np: RENAME_SWAP 2 is the core's RENAME_EXCHANGE, RENAME_EXCL 4 its RENAME_NOREPLACE. */
    public static final FlagTable RENAME_FLAGS = FlagTable.of(2, 2, 2, 4, 4, 1);

    /**
     * setxattr options (bsd/sys/xattr.h): XATTR_CREATE 0x2 and XATTR_REPLACE 0x4 are the core's 1
     * and 2; XATTR_NOFOLLOW 0x1, XATTR_NOSECURITY 0x8, XATTR_NODEFAULT 0x10 and
     * XATTR_SHOWCOMPRESSION 0x20 are the kernel's business and mean nothing here.
     */
    public static final FlagTable XATTR_FLAGS = FlagTable.of(2, 2, 1, 4, 4, 2, 1, 1, 0, 8, 8, 0, 0x10, 0x10, 0,
            0x20, 0x20, 0);

    /** SEEK_HOLE is 3 and SEEK_DATA 4 on macOS, the other way round from Linux. */
    public static final FlagTable WHENCE = FlagTable.of(-1, 3, 4, -1, 4, 3);

    /**
     * chflags(2) flags ext4 can keep (bsd/sys/stat.h): SF_IMMUTABLE 0x20000 and UF_IMMUTABLE 0x2
     * are FS_IMMUTABLE_FL, SF_APPEND 0x40000 and UF_APPEND 0x4 FS_APPEND_FL, UF_NODUMP 0x1
     * FS_NODUMP_FL. ext4's immutable and append-only flags need the superuser, like the SF_
     * flags, so those are what stat shows.
     */
    public static final FlagTable FILE_FLAGS = FlagTable.of(0x20000, 0x20000, 0x10, 0x40000, 0x40000, 0x20, 1, 1,
            0x40, 2, 2, 0x10, 4, 4, 0x20);

    /** makedev(x, y) = (x << 24) | y in a 32-bit dev_t; major 8 bits, minor 24 (bsd/sys/types.h). */
    public static final DevT DEVICES = DevT.MACOS;

    /** UTIME_NOW and UTIME_OMIT (bsd/sys/stat.h). */
    public static final long UTIME_NOW = -1;
    public static final long UTIME_OMIT = -2;

    /**
     * The macOS platform with the given host parts (where the library was looked for, how to
     * unmount): the ABI is the same on x86_64 and arm64.
     */
    public static Platform platform(String name, List<String> libraries, String installHint, List<String> unmount,
            List<String> lazyUnmount) {
        return new Platform(name, ATTR, DarwinStatfsLayout.DARWIN, ERRNOS, DEVICES, OPEN_FLAGS, RENAME_FLAGS,
                XATTR_FLAGS, WHENCE, UTIME_NOW, UTIME_OMIT, 2, FILE_FLAGS, DIALECT, libraries, installHint, unmount,
                lazyUnmount, null);
    }

    private static OperationSlots operations() {
        List<Operation> slots = new ArrayList<>(OperationSlots.LIBFUSE3.slots());
        slots.add(1, Operation.SETATTR);
        slots.add(Operation.CHFLAGS);
        slots.add(Operation.SETVOLNAME);
        slots.add(Operation.MONITOR);
        return new OperationSlots("macFUSE", slots);
    }

    private static ErrnoTable errnos() {
        Map<Errno, Integer> m = new EnumMap<>(Errno.class);
        // The historic UNIX numbers below 35 are shared, except EAGAIN (11 is EDEADLK on macOS).
        for (Errno e : Errno.values()) {
            if (e.code() < 35) {
                m.put(e, e.code());
            }
        }
        m.put(Errno.EAGAIN, 35);
        m.put(Errno.ENAMETOOLONG, 63);
        m.put(Errno.ENOSYS, 78);
        m.put(Errno.ENOTEMPTY, 66);
        m.put(Errno.ELOOP, 62);
        m.put(Errno.ENODATA, 93); // ENOATTR: a missing extended attribute (ENODATA is 96, a STREAMS error)
        m.put(Errno.EOVERFLOW, 84);
        m.put(Errno.EOPNOTSUPP, 45); // ENOTSUP; EOPNOTSUPP is the same number on macOS
        m.put(Errno.ESTALE, 70);
        m.put(Errno.EDQUOT, 69);
        m.put(Errno.EUCLEAN, 5); // macOS has no EUCLEAN/EINTEGRITY: damage reaches programs as EIO
        return ErrnoTable.of(m);
    }
}
