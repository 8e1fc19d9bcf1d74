package org.ext4j.macfuse.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.LibfuseAbi;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.StatLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three sources that must agree on every Darwin struct: the facts read off macFUSE's and Apple's
 * headers (listed here by hand, each with its declaration), the shim's macfuse_abi.h as the x86_64
 * and the arm64 compilers lay it out ({@link DarwinProbe}), and the Java constants of
 * {@link Darwin}, {@link DarwinStatfsLayout} and {@link LibfuseAbi}. A wrong offset in the
 * header or in the Java fails here.
 */
class DarwinLayoutGoldenTest {
    @TempDir
    static Path dir;

    private static Map<String, Long> x64;
    private static Map<String, Long> arm64;

    @BeforeAll
    static void probe() throws Exception {
        x64 = DarwinProbe.x86_64(dir);
        arm64 = DarwinProbe.aarch64(dir);
    }

    /**
     * Offsets and sizes from the headers' declarations: fuse_common.h's struct fuse_darwin_attr
     * (ino_t 8, mode_t 2, nlink_t 2, uid_t 4, gid_t 4, dev_t 4, five 16-byte timespecs, off_t 8,
     * blkcnt_t 8, blksize_t 4, unsigned 4, uint64_t[8]), sys/mount.h's struct statfs (fsid_t is
     * two int32), fuse_common.h's struct libfuse_version, fuse_file_info and fuse_conn_info
     * (capable_darwin and want_darwin after want_ext), fuse.h's fuse_config and fuse_context.
     */
    private static final Map<String, Long> HEADERS = Map.ofEntries(
            Map.entry("sizeof.mf_darwin_attr", 192L), Map.entry("mf_darwin_attr.ino", 0L),
            Map.entry("mf_darwin_attr.mode", 8L), Map.entry("mf_darwin_attr.nlink", 10L),
            Map.entry("mf_darwin_attr.uid", 12L), Map.entry("mf_darwin_attr.gid", 16L),
            Map.entry("mf_darwin_attr.rdev", 20L), Map.entry("mf_darwin_attr.atimespec", 24L),
            Map.entry("mf_darwin_attr.mtimespec", 40L), Map.entry("mf_darwin_attr.ctimespec", 56L),
            Map.entry("mf_darwin_attr.btimespec", 72L), Map.entry("mf_darwin_attr.bkuptimespec", 88L),
            Map.entry("mf_darwin_attr.size", 104L), Map.entry("mf_darwin_attr.blocks", 112L),
            Map.entry("mf_darwin_attr.blksize", 120L), Map.entry("mf_darwin_attr.flags", 124L),
            Map.entry("mf_darwin_attr.reserved", 128L),
            Map.entry("sizeof.mf_statfs", 2168L), Map.entry("mf_statfs.f_bsize", 0L), Map.entry("mf_statfs.f_iosize", 4L),
            Map.entry("mf_statfs.f_blocks", 8L), Map.entry("mf_statfs.f_bfree", 16L), Map.entry("mf_statfs.f_bavail", 24L),
            Map.entry("mf_statfs.f_files", 32L), Map.entry("mf_statfs.f_ffree", 40L), Map.entry("mf_statfs.f_fsid", 48L),
            Map.entry("mf_statfs.f_owner", 56L), Map.entry("mf_statfs.f_type", 60L), Map.entry("mf_statfs.f_flags", 64L),
            Map.entry("mf_statfs.f_fssubtype", 68L), Map.entry("mf_statfs.f_fstypename", 72L),
            Map.entry("mf_statfs.f_mntonname", 88L), Map.entry("mf_statfs.f_mntfromname", 1112L),
            Map.entry("mf_statfs.f_flags_ext", 2136L), Map.entry("mf_statfs.f_reserved", 2140L),
            Map.entry("sizeof.mf_libfuse_version", 16L), Map.entry("mf_libfuse_version.minor", 4L),
            Map.entry("mf_libfuse_version.hotfix", 8L), Map.entry("bit.darwin_extensions_enabled", 1L),
            Map.entry("sizeof.mf_file_info", 64L), Map.entry("mf_file_info.fh", 16L),
            Map.entry("mf_file_info.backing_id", 36L), Map.entry("mf_file_info.compat_flags", 40L),
            Map.entry("sizeof.mf_conn_info", 144L), Map.entry("mf_conn_info.capable", 20L),
            Map.entry("mf_conn_info.want", 24L), Map.entry("mf_conn_info.capable_darwin", 64L),
            Map.entry("mf_conn_info.want_darwin", 72L),
            Map.entry("sizeof.mf_config", 520L), Map.entry("mf_config.nullpath_ok", 96L),
            Map.entry("sizeof.mf_context", 40L), Map.entry("mf_context.umask", 32L),
            Map.entry("size.mf_context.umask", 2L), Map.entry("sizeof.mf_operations", 368L),
            Map.entry("const.MF_ENOSYS", 78L), Map.entry("const.MF_ENOATTR", 93L), Map.entry("const.MF_ENOTEMPTY", 66L),
            Map.entry("const.MF_SEEK_HOLE", 3L), Map.entry("const.MF_SEEK_DATA", 4L),
            Map.entry("const.MF_RENAME_SWAP", 2L), Map.entry("const.MF_RENAME_EXCL", 4L),
            Map.entry("const.MF_XATTR_CREATE", 2L), Map.entry("const.MF_XATTR_REPLACE", 4L),
            Map.entry("const.MF_O_EXCL", 0x800L), Map.entry("const.MF_O_TRUNC", 0x400L),
            Map.entry("const.MF_O_APPEND", 8L), Map.entry("const.MF_O_EXEC", 0x40000000L), Map.entry("const.MF_UTIME_NOW", -1L),
            Map.entry("const.MF_SET_ATTR_FLAGS", 1L << 31), Map.entry("const.MF_MAKEDEV(12, 0x345678)", 0x0C345678L));

    @Test
    void theShimHeaderSaysWhatMacFusesHeadersSay() {
        HEADERS.forEach((name, value) -> assertEquals(value, x64.get(name), name));
        for (int i = 0; i < DarwinProbe.OPERATIONS.size(); i++) {
            assertEquals(8L * i, x64.get("mf_operations." + DarwinProbe.OPERATIONS.get(i)),
                    DarwinProbe.OPERATIONS.get(i));
        }
    }

    @Test
    void arm64LaysOutEveryStructTheSame() {
        for (Map.Entry<String, Long> e : arm64.entrySet()) {
            assertEquals(x64.get(e.getKey()), e.getValue(), "arm64 vs x86_64: " + e.getKey());
        }
    }

    @Test
    void fuseDarwinAttr() {
        StatLayout a = Darwin.ATTR;
        assertEquals(x64.get("sizeof.mf_darwin_attr"), (long) a.size());
        assertNull(a.dev(), "struct fuse_darwin_attr has no device field");
        assertField("mf_darwin_attr.ino", a.ino());
        assertField("mf_darwin_attr.mode", a.mode());
        assertField("mf_darwin_attr.nlink", a.nlink());
        assertField("mf_darwin_attr.uid", a.uid());
        assertField("mf_darwin_attr.gid", a.gid());
        assertField("mf_darwin_attr.rdev", a.rdev());
        assertField("mf_darwin_attr.size", a.fileSize());
        assertField("mf_darwin_attr.blocks", a.blocks());
        assertField("mf_darwin_attr.blksize", a.blksize());
        assertField("mf_darwin_attr.flags", a.flags());
        assertEquals(x64.get("mf_darwin_attr.atimespec"), (long) a.atime());
        assertEquals(x64.get("mf_darwin_attr.mtimespec"), (long) a.mtime());
        assertEquals(x64.get("mf_darwin_attr.ctimespec"), (long) a.ctime());
        assertEquals(x64.get("mf_darwin_attr.btimespec"), (long) a.birthtime());
        assertEquals(x64.get("mf_darwin_attr.bkuptimespec"), (long) Darwin.ATTR_BKUPTIME);
    }

    @Test
    void structStatfs() {
        DarwinStatfsLayout s = DarwinStatfsLayout.DARWIN;
        assertEquals(x64.get("sizeof.mf_statfs"), (long) s.size());
        assertField("mf_statfs.f_bsize", s.bsize());
        assertField("mf_statfs.f_iosize", s.iosize());
        assertField("mf_statfs.f_blocks", s.blocks());
        assertField("mf_statfs.f_bfree", s.bfree());
        assertField("mf_statfs.f_bavail", s.bavail());
        assertField("mf_statfs.f_files", s.files());
        assertField("mf_statfs.f_ffree", s.ffree());
        assertField("mf_statfs.f_fsid", s.fsid());
        assertField("mf_statfs.f_owner", s.owner());
        assertField("mf_statfs.f_type", s.type());
        assertField("mf_statfs.f_flags", s.flags());
        assertField("mf_statfs.f_fssubtype", s.fssubtype());
        assertField("mf_statfs.f_flags_ext", s.flagsExt());
        assertEquals(x64.get("mf_statfs.f_fstypename"), (long) s.fstypename());
        assertEquals(x64.get("mf_statfs.f_mntonname"), (long) s.mntonname());
        assertEquals(x64.get("mf_statfs.f_mntfromname"), (long) s.mntfromname());
    }

    /** macFUSE 5 reports libfuse 3.17, whose fuse_file_info, fuse_config, fuse_conn_info and fuse_context it keeps. */
    @Test
    void libfuseStructsAsMacFuseHasThem() {
        LibfuseAbi abi = LibfuseAbi.forVersion(317);
        assertEquals(x64.get("sizeof.mf_file_info"), (long) abi.fileInfoSize());
        assertField("mf_file_info.flags", LibfuseAbi.FI_FLAGS);
        assertField("mf_file_info.fh", LibfuseAbi.FI_FH);
        assertEquals(x64.get("sizeof.mf_config"), (long) abi.configSize());
        assertField("mf_config.nullpath_ok", abi.nullpathOk());
        assertField("mf_config.use_ino", LibfuseAbi.CFG_USE_INO);
        assertField("mf_config.hard_remove", LibfuseAbi.CFG_HARD_REMOVE);
        assertField("mf_config.readdir_ino", LibfuseAbi.CFG_READDIR_INO);
        assertField("mf_config.direct_io", LibfuseAbi.CFG_DIRECT_IO);
        assertField("mf_config.kernel_cache", LibfuseAbi.CFG_KERNEL_CACHE);
        assertField("mf_config.auto_cache", LibfuseAbi.CFG_AUTO_CACHE);
        assertField("mf_config.entry_timeout", LibfuseAbi.CFG_ENTRY_TIMEOUT);
        assertField("mf_config.negative_timeout", LibfuseAbi.CFG_NEGATIVE_TIMEOUT);
        assertField("mf_config.attr_timeout", LibfuseAbi.CFG_ATTR_TIMEOUT);
        assertField("mf_conn_info.capable", LibfuseAbi.CONN_CAPABLE);
        assertField("mf_conn_info.want", LibfuseAbi.CONN_WANT);
        assertField("mf_context.uid", LibfuseAbi.CTX_UID);
        assertField("mf_context.gid", LibfuseAbi.CTX_GID);
        assertField("mf_context.pid", LibfuseAbi.CTX_PID);
        assertEquals(x64.get("mf_context.umask"), (long) LibfuseAbi.CTX_UMASK_OFFSET);
        assertEquals(x64.get("size.mf_context.umask"), (long) platform().modeWidth());
        assertEquals(x64.get("bit.darwin_extensions_enabled"), (long) Darwin.DIALECT.versionFlags());
        assertEquals(x64.get("size.mf_darwin_attr.rdev"), (long) Darwin.DIALECT.devWidth(), "mknod's dev_t");
    }

    @Test
    void operationSlots() {
        assertEquals(x64.get("sizeof.mf_operations"), (long) Darwin.OPERATIONS.size());
        for (String name : DarwinProbe.OPERATIONS) {
            Operation op = Operation.valueOf(name.toUpperCase(Locale.ROOT));
            assertEquals(x64.get("mf_operations." + name), (long) Darwin.OPERATIONS.offset(op), name);
        }
    }

    @Test
    void errnoFlagAndDeviceNumbers() {
        assertEquals(c("MF_EAGAIN"), Darwin.ERRNOS.code(Errno.EAGAIN));
        assertEquals(c("MF_ENOTSUP"), Darwin.ERRNOS.code(Errno.EOPNOTSUPP));
        assertEquals(c("MF_ELOOP"), Darwin.ERRNOS.code(Errno.ELOOP));
        assertEquals(c("MF_ENAMETOOLONG"), Darwin.ERRNOS.code(Errno.ENAMETOOLONG));
        assertEquals(c("MF_ENOTEMPTY"), Darwin.ERRNOS.code(Errno.ENOTEMPTY));
        assertEquals(c("MF_EDQUOT"), Darwin.ERRNOS.code(Errno.EDQUOT));
        assertEquals(c("MF_ESTALE"), Darwin.ERRNOS.code(Errno.ESTALE));
        assertEquals(c("MF_ENOSYS"), Darwin.ERRNOS.code(Errno.ENOSYS));
        assertEquals(c("MF_EOVERFLOW"), Darwin.ERRNOS.code(Errno.EOVERFLOW));
        assertEquals(c("MF_ENOATTR"), Darwin.ERRNOS.code(Errno.ENODATA), "a missing xattr is ENOATTR");
        assertEquals(WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL | WritableFileSystem.O_APPEND
                | WritableFileSystem.O_TRUNC, Darwin.OPEN_FLAGS.toCore(2 | c("MF_O_EXCL") | c("MF_O_APPEND")
                        | c("MF_O_TRUNC") | c("MF_O_CREAT")));
        assertEquals(org.ext4j.core.spi.InodeFileSystem.FMODE_EXEC, Darwin.OPEN_FLAGS.toCore(c("MF_O_EXEC")),
                "O_EXEC is the core's exec open");
        assertEquals(WritableFileSystem.RENAME_EXCHANGE, Darwin.RENAME_FLAGS.toCore(c("MF_RENAME_SWAP")));
        assertEquals(WritableFileSystem.RENAME_NOREPLACE, Darwin.RENAME_FLAGS.toCore(c("MF_RENAME_EXCL")));
        assertEquals(1, Darwin.XATTR_FLAGS.toCore(c("MF_XATTR_CREATE")), "the core's XATTR_CREATE");
        assertEquals(2, Darwin.XATTR_FLAGS.toCore(c("MF_XATTR_REPLACE")), "the core's XATTR_REPLACE");
        assertEquals(0, Darwin.XATTR_FLAGS.toCore(c("MF_XATTR_NOFOLLOW")));
        assertEquals(false, Darwin.XATTR_FLAGS.hasUnknown(c("MF_XATTR_NOFOLLOW")), "XATTR_NOFOLLOW is known, and ignored");
        assertEquals(WritableFileSystem.SEEK_HOLE, Darwin.WHENCE.toCore(c("MF_SEEK_HOLE")));
        assertEquals(WritableFileSystem.SEEK_DATA, Darwin.WHENCE.toCore(c("MF_SEEK_DATA")));
        assertEquals((long) c("MF_UTIME_NOW"), Darwin.UTIME_NOW);
        assertEquals((long) c("MF_UTIME_OMIT"), Darwin.UTIME_OMIT);
        int immutable = 0x10;
        int append = 0x20;
        int nodump = 0x40;
        assertEquals(immutable, Darwin.FILE_FLAGS.toCore(c("MF_UF_IMMUTABLE")));
        assertEquals(immutable | append | nodump, Darwin.FILE_FLAGS.toCore(c("MF_SF_IMMUTABLE") | c("MF_SF_APPEND")
                | c("MF_UF_NODUMP")));
        assertEquals(c("MF_SF_IMMUTABLE") | c("MF_SF_APPEND") | c("MF_UF_NODUMP"),
                Darwin.FILE_FLAGS.toNative(immutable | append | nodump), "stat shows the superuser's flags");
        assertEquals(c("MF_UF_APPEND") == 4, Darwin.FILE_FLAGS.toCore(4) == append);
        long dev = x64.get("const.MF_MAKEDEV(12, 0x345678)");
        assertEquals(dev, Darwin.DEVICES.encode(12, 0x345678));
        assertEquals(12, Darwin.DEVICES.major(dev));
        assertEquals(0x345678, Darwin.DEVICES.minor(dev));
    }

    private static org.ext4j.highlevel.abi.Platform platform() {
        return Darwin.platform("test", java.util.List.of(), "", java.util.List.of(), java.util.List.of());
    }

    private static int c(String name) {
        Long v = x64.get("const." + name);
        if (v == null) {
            throw new AssertionError("the probe printed no constant " + name);
        }
        return v.intValue();
    }

    private static void assertField(String name, Field actual) {
        assertEquals(new Field(x64.get(name).intValue(), x64.get("size." + name).intValue()), actual, name);
    }
}
