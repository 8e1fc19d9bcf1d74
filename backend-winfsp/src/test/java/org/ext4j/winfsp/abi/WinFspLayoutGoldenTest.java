package org.ext4j.winfsp.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.LibfuseAbi;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.StatLayout;
import org.ext4j.highlevel.abi.StatvfsLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three sources that must agree on every WinFsp struct: the facts read off WinFsp's headers and
 * the MSVC CRT's (listed here by hand, each with its declaration), the shim's winfsp_abi.h as the
 * x86_64 and the arm64 compilers lay it out ({@link WinFspProbe}; Windows on x64 and on arm64 is
 * LLP64 and aligns these fixed-width members the same), and the Java constants of {@link WinFsp}
 * and {@link LibfuseAbi}. A wrong offset in the header or in the Java fails here.
 */
class WinFspLayoutGoldenTest {
    @TempDir
    static Path dir;

    private static Map<String, Long> x64;
    private static Map<String, Long> arm64;

    @BeforeAll
    static void probe() throws Exception {
        x64 = WinFspProbe.x86_64(dir);
        arm64 = WinFspProbe.aarch64(dir);
    }

    /**
     * From the declarations: winfsp_fuse.h's _WIN64 types (fuse_dev_t uint32, fuse_ino_t uint64,
     * fuse_mode_t uint32, fuse_nlink_t uint16, uid/gid uint32, fuse_off_t int64, fuse_blksize_t
     * int32, fuse_blkcnt_t int64, fuse_timespec two int64) in FSP_FUSE_STAT_FIELD_DEFN's order;
     * fuse_stat_ex adds uint32 st_flags and reserved words; fuse_statvfs is eleven 64-bit words;
     * fuse3_file_info's padding:27 opens a second bit-field word; fuse3_conn_info is 32 unsigned;
     * fuse3_config and fuse3_context as libfuse 3.2 has them; 40 operation slots; the MSVC errno.h
     * and fcntl.h numbers; FUSE_MAKE_VERSION(3, 2).
     */
    private static final Map<String, Long> HEADERS = Map.ofEntries(
            Map.entry("sizeof.wf_stat", 128L), Map.entry("wf_stat.st_dev", 0L), Map.entry("wf_stat.st_ino", 8L),
            Map.entry("wf_stat.st_mode", 16L), Map.entry("wf_stat.st_nlink", 20L), Map.entry("wf_stat.st_uid", 24L),
            Map.entry("wf_stat.st_gid", 28L), Map.entry("wf_stat.st_rdev", 32L), Map.entry("wf_stat.st_size", 40L),
            Map.entry("wf_stat.st_atim", 48L), Map.entry("wf_stat.st_mtim", 64L), Map.entry("wf_stat.st_ctim", 80L),
            Map.entry("wf_stat.st_blksize", 96L), Map.entry("wf_stat.st_blocks", 104L),
            Map.entry("wf_stat.st_birthtim", 112L), Map.entry("sizeof.wf_stat_ex", 160L),
            Map.entry("wf_stat_ex.st_flags", 128L), Map.entry("sizeof.wf_statvfs", 88L),
            Map.entry("wf_statvfs.f_namemax", 80L), Map.entry("sizeof.wf_timespec", 16L),
            Map.entry("sizeof.wf_args", 24L), Map.entry("wf_args.argv", 8L), Map.entry("wf_args.allocated", 16L),
            Map.entry("sizeof.wf_file_info", 40L), Map.entry("wf_file_info.fh", 16L),
            Map.entry("wf_file_info.lock_owner", 24L), Map.entry("wf_file_info.poll_events", 32L),
            Map.entry("sizeof.wf_conn_info", 128L), Map.entry("wf_conn_info.capable", 20L),
            Map.entry("wf_conn_info.want", 24L), Map.entry("sizeof.wf_config", 120L),
            Map.entry("wf_config.nullpath_ok", 96L), Map.entry("sizeof.wf_context", 40L),
            Map.entry("wf_context.private_data", 24L), Map.entry("wf_context.umask", 32L),
            Map.entry("size.wf_context.umask", 4L), Map.entry("sizeof.wf_operations", 320L),
            Map.entry("const.WF_ENOSYS", 40L), Map.entry("const.WF_ENOTEMPTY", 41L),
            Map.entry("const.WF_ENAMETOOLONG", 38L), Map.entry("const.WF_ELOOP", 114L),
            Map.entry("const.WF_ENODATA", 120L), Map.entry("const.WF_ENOTSUP", 129L),
            Map.entry("const.WF_EOVERFLOW", 132L), Map.entry("const.WF_ETXTBSY", 139L),
            Map.entry("const.WF_O_APPEND", 8L), Map.entry("const.WF_O_CREAT", 0x100L), Map.entry("const.WF_O_TRUNC", 0x200L),
            Map.entry("const.WF_O_EXCL", 0x400L), Map.entry("const.WF_CAP_READDIRPLUS", 1L << 13),
            Map.entry("const.WF_FSP_CAP_READ_ONLY", 1L << 22), Map.entry("const.WF_FUSE_VERSION", 32L));

    @Test
    void theShimHeaderSaysWhatWinFspsHeadersSay() {
        HEADERS.forEach((name, value) -> assertEquals(value, x64.get(name), name));
        for (int i = 0; i < WinFspProbe.OPERATIONS.size(); i++) {
            assertEquals(8L * i, x64.get("wf_operations." + WinFspProbe.OPERATIONS.get(i)),
                    WinFspProbe.OPERATIONS.get(i));
        }
    }

    @Test
    void arm64LaysOutEveryStructTheSame() {
        for (Map.Entry<String, Long> e : arm64.entrySet()) {
            assertEquals(x64.get(e.getKey()), e.getValue(), "arm64 vs x86_64: " + e.getKey());
        }
    }

    @Test
    void fuseStat() {
        StatLayout s = WinFsp.STAT;
        assertEquals(x64.get("sizeof.wf_stat"), (long) s.size());
        assertField("wf_stat.st_dev", s.dev());
        assertField("wf_stat.st_ino", s.ino());
        assertField("wf_stat.st_mode", s.mode());
        assertField("wf_stat.st_nlink", s.nlink());
        assertField("wf_stat.st_uid", s.uid());
        assertField("wf_stat.st_gid", s.gid());
        assertField("wf_stat.st_rdev", s.rdev());
        assertField("wf_stat.st_size", s.fileSize());
        assertField("wf_stat.st_blksize", s.blksize());
        assertField("wf_stat.st_blocks", s.blocks());
        assertEquals(x64.get("wf_stat.st_atim"), (long) s.atime());
        assertEquals(x64.get("wf_stat.st_mtim"), (long) s.mtime());
        assertEquals(x64.get("wf_stat.st_ctim"), (long) s.ctime());
        assertEquals(x64.get("wf_stat.st_birthtim"), (long) s.birthtime());
    }

    @Test
    void fuseStatvfs() {
        StatvfsLayout v = WinFsp.STATVFS;
        assertEquals(x64.get("sizeof.wf_statvfs"), (long) v.size());
        assertField("wf_statvfs.f_bsize", v.bsize());
        assertField("wf_statvfs.f_frsize", v.frsize());
        assertField("wf_statvfs.f_blocks", v.blocks());
        assertField("wf_statvfs.f_bfree", v.bfree());
        assertField("wf_statvfs.f_bavail", v.bavail());
        assertField("wf_statvfs.f_files", v.files());
        assertField("wf_statvfs.f_ffree", v.ffree());
        assertField("wf_statvfs.f_favail", v.favail());
        assertField("wf_statvfs.f_fsid", v.fsid());
        assertField("wf_statvfs.f_flag", v.flag());
        assertField("wf_statvfs.f_namemax", v.namemax());
    }

    /** fuse3_version() says 32, which the binding reads as libfuse 3.2, whose struct prefixes WinFsp keeps. */
    @Test
    void libfuseStructsAsWinFspHasThem() {
        int version = WinFsp.ENTRY_POINTS.libfuseVersion(x64.get("const.WF_FUSE_VERSION").intValue());
        assertEquals(302, version);
        LibfuseAbi abi = LibfuseAbi.forVersion(version);
        assertEquals(x64.get("sizeof.wf_file_info"), (long) abi.fileInfoSize());
        assertField("wf_file_info.flags", LibfuseAbi.FI_FLAGS);
        assertField("wf_file_info.fh", WinFsp.DIALECT.fileHandle());
        assertEquals(x64.get("sizeof.wf_config"), (long) abi.configSize());
        assertField("wf_config.nullpath_ok", abi.nullpathOk());
        assertField("wf_config.use_ino", LibfuseAbi.CFG_USE_INO);
        assertField("wf_config.hard_remove", LibfuseAbi.CFG_HARD_REMOVE);
        assertField("wf_config.readdir_ino", LibfuseAbi.CFG_READDIR_INO);
        assertField("wf_config.direct_io", LibfuseAbi.CFG_DIRECT_IO);
        assertField("wf_config.kernel_cache", LibfuseAbi.CFG_KERNEL_CACHE);
        assertField("wf_config.auto_cache", LibfuseAbi.CFG_AUTO_CACHE);
        assertField("wf_config.entry_timeout", LibfuseAbi.CFG_ENTRY_TIMEOUT);
        assertField("wf_config.negative_timeout", LibfuseAbi.CFG_NEGATIVE_TIMEOUT);
        assertField("wf_config.attr_timeout", LibfuseAbi.CFG_ATTR_TIMEOUT);
        assertField("wf_conn_info.capable", LibfuseAbi.CONN_CAPABLE);
        assertField("wf_conn_info.want", LibfuseAbi.CONN_WANT);
        assertField("wf_context.uid", LibfuseAbi.CTX_UID);
        assertField("wf_context.gid", LibfuseAbi.CTX_GID);
        assertField("wf_context.pid", LibfuseAbi.CTX_PID);
        assertEquals(x64.get("wf_context.umask"), (long) LibfuseAbi.CTX_UMASK_OFFSET);
        assertEquals(x64.get("size.wf_context.umask"), (long) platform().modeWidth());
        assertEquals(x64.get("size.wf_stat.st_rdev"), (long) WinFsp.DIALECT.devWidth(), "mknod's fuse_dev_t");
        assertEquals(x64.get("const.WF_CAP_READDIRPLUS"), WinFsp.DIALECT.wantedCapabilities());
        assertEquals(x64.get("const.WF_FSP_CAP_READ_ONLY"), WinFsp.DIALECT.readOnlyCapability());
    }

    @Test
    void operationSlots() {
        assertEquals(x64.get("sizeof.wf_operations"), (long) WinFsp.OPERATIONS.size());
        for (String name : WinFspProbe.OPERATIONS) {
            Operation op = Operation.valueOf(name.toUpperCase(Locale.ROOT));
            assertEquals(x64.get("wf_operations." + name), (long) WinFsp.OPERATIONS.offset(op), name);
        }
        assertFalse(WinFsp.OPERATIONS.has(Operation.LSEEK), "no lseek slot");
        assertFalse(WinFsp.DIALECT.serves(Operation.LINK), "WinFsp never calls link");
    }

    @Test
    void errnoAndFlagNumbers() {
        assertEquals(c("WF_ENOSYS"), WinFsp.ERRNOS.code(Errno.ENOSYS));
        assertEquals(c("WF_ENOTEMPTY"), WinFsp.ERRNOS.code(Errno.ENOTEMPTY));
        assertEquals(c("WF_ENAMETOOLONG"), WinFsp.ERRNOS.code(Errno.ENAMETOOLONG));
        assertEquals(c("WF_ELOOP"), WinFsp.ERRNOS.code(Errno.ELOOP));
        assertEquals(c("WF_ENODATA"), WinFsp.ERRNOS.code(Errno.ENODATA));
        assertEquals(c("WF_ENOTSUP"), WinFsp.ERRNOS.code(Errno.EOPNOTSUPP));
        assertEquals(c("WF_EOVERFLOW"), WinFsp.ERRNOS.code(Errno.EOVERFLOW));
        assertEquals(c("WF_ETXTBSY"), WinFsp.ERRNOS.code(Errno.ETXTBSY));
        for (Errno e : List.of(Errno.EPERM, Errno.ENOENT, Errno.EIO, Errno.EACCES, Errno.EEXIST, Errno.EINVAL,
                Errno.ENOSPC, Errno.EROFS, Errno.ERANGE)) {
            assertEquals(e.code(), WinFsp.ERRNOS.code(e), "the historic UNIX number of " + e);
        }
        int linuxCreat = 0100;
        assertEquals(WritableFileSystem.O_RDWR | linuxCreat | WritableFileSystem.O_EXCL,
                WinFsp.OPEN_FLAGS.toCore(c("WF_O_CREAT") | c("WF_O_EXCL") | c("WF_O_RDWR")), "WinFsp's create");
        assertEquals(WritableFileSystem.O_WRONLY | WritableFileSystem.O_APPEND | WritableFileSystem.O_TRUNC,
                WinFsp.OPEN_FLAGS.toCore(c("WF_O_WRONLY") | c("WF_O_APPEND") | c("WF_O_TRUNC")));
        assertEquals(WritableFileSystem.O_RDONLY, WinFsp.OPEN_FLAGS.toCore(c("WF_O_RDONLY")));
        assertTrue(WinFsp.RENAME_FLAGS.hasUnknown(1), "WinFsp passes rename flags 0; any other is refused");
        assertEquals(0x1234_5678L & 0xFFFF_FFFFL, WinFsp.DEVICES.encode(0x1234, 0x5678), "Cygwin's 16:16 dev_t");
    }

    private static org.ext4j.highlevel.abi.Platform platform() {
        return WinFsp.platform("test", List.of(), "");
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
