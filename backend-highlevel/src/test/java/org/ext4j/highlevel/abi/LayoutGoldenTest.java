package org.ext4j.highlevel.abi;

import static org.ext4j.highlevel.abi.LayoutProbe.assertField;
import static org.ext4j.highlevel.abi.LayoutProbe.field;
import static org.ext4j.highlevel.abi.LayoutProbe.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.WritableFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layouts and values of this machine's {@link Platform} and of its libfuse3's
 * {@link LibfuseAbi}, against what a C compiler says from the real headers (glibc, linux uapi,
 * libfuse3-dev). The other targets are checked in {@link OtherTargetsGoldenTest}.
 */
class LayoutGoldenTest {
    @TempDir
    static Path dir;

    private static Map<String, long[]> c;
    private static Platform platform;
    private static LibfuseAbi abi;

    @BeforeAll
    static void probe() throws Exception {
        c = LayoutProbe.run(dir);
        platform = Platform.current();
        assertNotNull(platform, "no platform for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        abi = LibfuseAbi.forVersion((int) value(c, "const.FUSE_VERSION"));
    }

    @Test
    void structStat() {
        StatLayout s = platform.stat();
        assertEquals(value(c, "sizeof.stat"), s.size());
        assertField(c, "stat.st_dev", s.dev());
        assertField(c, "stat.st_ino", s.ino());
        assertField(c, "stat.st_nlink", s.nlink());
        assertField(c, "stat.st_mode", s.mode());
        assertField(c, "stat.st_uid", s.uid());
        assertField(c, "stat.st_gid", s.gid());
        assertField(c, "stat.st_rdev", s.rdev());
        assertField(c, "stat.st_size", s.fileSize());
        assertField(c, "stat.st_blksize", s.blksize());
        assertField(c, "stat.st_blocks", s.blocks());
        assertEquals(LayoutProbe.offset(c, "stat.st_atim"), s.atime());
        assertEquals(LayoutProbe.offset(c, "stat.st_mtim"), s.mtime());
        assertEquals(LayoutProbe.offset(c, "stat.st_ctim"), s.ctime());
        assertEquals(4, platform.modeWidth(), "sizeof(mode_t) on Linux");
    }

    @Test
    void structStatvfs() {
        StatvfsLayout s = (StatvfsLayout) platform.statfs();
        assertEquals(value(c, "sizeof.statvfs"), s.size());
        assertField(c, "statvfs.f_bsize", s.bsize());
        assertField(c, "statvfs.f_frsize", s.frsize());
        assertField(c, "statvfs.f_blocks", s.blocks());
        assertField(c, "statvfs.f_bfree", s.bfree());
        assertField(c, "statvfs.f_bavail", s.bavail());
        assertField(c, "statvfs.f_files", s.files());
        assertField(c, "statvfs.f_ffree", s.ffree());
        assertField(c, "statvfs.f_favail", s.favail());
        assertField(c, "statvfs.f_fsid", s.fsid());
        assertField(c, "statvfs.f_flag", s.flag());
        assertField(c, "statvfs.f_namemax", s.namemax());
    }

    @Test
    void fuseFileInfoOfTheInstalledLibrary() {
        assertEquals(value(c, "sizeof.fuse_file_info"), abi.fileInfoSize());
        assertField(c, "fuse_file_info.flags", LibfuseAbi.FI_FLAGS);
        assertField(c, "fuse_file_info.fh", LibfuseAbi.FI_FH);
        assertEquals(value(c, "bit.direct_io"), LibfuseAbi.FI_DIRECT_IO);
        assertEquals(value(c, "bit.keep_cache"), LibfuseAbi.FI_KEEP_CACHE);
        assertEquals(value(c, "bit.nonseekable"), LibfuseAbi.FI_NONSEEKABLE);
        assertEquals(value(c, "bit.cache_readdir"), LibfuseAbi.FI_CACHE_READDIR);
        assertEquals(value(c, "bit.noflush"), LibfuseAbi.FI_NOFLUSH);
    }

    @Test
    void fuseConfigConnContextOfTheInstalledLibrary() {
        assertEquals(value(c, "sizeof.fuse_config"), abi.configSize());
        assertField(c, "fuse_config.entry_timeout", LibfuseAbi.CFG_ENTRY_TIMEOUT);
        assertField(c, "fuse_config.negative_timeout", LibfuseAbi.CFG_NEGATIVE_TIMEOUT);
        assertField(c, "fuse_config.attr_timeout", LibfuseAbi.CFG_ATTR_TIMEOUT);
        assertField(c, "fuse_config.hard_remove", LibfuseAbi.CFG_HARD_REMOVE);
        assertField(c, "fuse_config.use_ino", LibfuseAbi.CFG_USE_INO);
        assertField(c, "fuse_config.readdir_ino", LibfuseAbi.CFG_READDIR_INO);
        assertField(c, "fuse_config.direct_io", LibfuseAbi.CFG_DIRECT_IO);
        assertField(c, "fuse_config.kernel_cache", LibfuseAbi.CFG_KERNEL_CACHE);
        assertField(c, "fuse_config.auto_cache", LibfuseAbi.CFG_AUTO_CACHE);
        assertField(c, "fuse_config.nullpath_ok", abi.nullpathOk());
        assertField(c, "fuse_conn_info.capable", LibfuseAbi.CONN_CAPABLE);
        assertField(c, "fuse_conn_info.want", LibfuseAbi.CONN_WANT);
        assertField(c, "fuse_context.uid", LibfuseAbi.CTX_UID);
        assertField(c, "fuse_context.gid", LibfuseAbi.CTX_GID);
        assertField(c, "fuse_context.pid", LibfuseAbi.CTX_PID);
        assertEquals(field(c, "fuse_context.umask").offset(), LibfuseAbi.CTX_UMASK_OFFSET);
        assertEquals(field(c, "fuse_context.umask").width(), platform.modeWidth());
        assertEquals(value(c, "const.FUSE_CAP_ATOMIC_O_TRUNC"), LibfuseAbi.CAP_ATOMIC_O_TRUNC);
        assertEquals(value(c, "const.FUSE_CAP_DONT_MASK"), LibfuseAbi.CAP_DONT_MASK);
        assertEquals(value(c, "const.FUSE_CAP_READDIRPLUS"), LibfuseAbi.CAP_READDIRPLUS);
        assertEquals(value(c, "const.FUSE_CAP_POSIX_ACL"), LibfuseAbi.CAP_POSIX_ACL);
        assertEquals(value(c, "const.FUSE_CAP_HANDLE_KILLPRIV"), LibfuseAbi.CAP_HANDLE_KILLPRIV);
        assertEquals(value(c, "const.FUSE_CAP_WRITEBACK_CACHE"), LibfuseAbi.CAP_WRITEBACK_CACHE);
    }

    @Test
    void fuseOperationsSlotOrder() {
        OperationSlots slots = platform.dialect().operations();
        assertEquals(OperationSlots.LIBFUSE3, slots);
        assertEquals(value(c, "sizeof.fuse_operations"), slots.size());
        for (Operation op : slots.slots()) {
            assertEquals(LayoutProbe.offset(c, "fuse_operations." + op.name().toLowerCase(Locale.ROOT)),
                    slots.offset(op), op.name());
        }
    }

    @Test
    void flagErrnoAndDeviceValues() {
        // The core speaks Linux values; on Linux each table must hand them over unchanged.
        int[] openFlags = {0, 1, 2, (int) value(c, "const.O_EXCL"), (int) value(c, "const.O_TRUNC"),
            (int) value(c, "const.O_APPEND"), (int) value(c, "const.O_NOATIME")};
        for (int f : openFlags) {
            assertEquals(f, platform.openFlags().toCore(f), "open flag " + Integer.toOctalString(f));
        }
        assertEquals(WritableFileSystem.O_EXCL, value(c, "const.O_EXCL"));
        assertEquals(WritableFileSystem.O_TRUNC, value(c, "const.O_TRUNC"));
        assertEquals(WritableFileSystem.O_APPEND, value(c, "const.O_APPEND"));
        assertEquals(WritableFileSystem.RENAME_NOREPLACE, platform.renameFlags().toCore((int) value(c, "const.RENAME_NOREPLACE")));
        assertEquals(WritableFileSystem.RENAME_EXCHANGE, platform.renameFlags().toCore((int) value(c, "const.RENAME_EXCHANGE")));
        assertEquals(WritableFileSystem.RENAME_WHITEOUT, platform.renameFlags().toCore((int) value(c, "const.RENAME_WHITEOUT")));
        assertEquals(WritableFileSystem.SEEK_DATA, platform.whence().toCore((int) value(c, "const.SEEK_DATA")));
        assertEquals(WritableFileSystem.SEEK_HOLE, platform.whence().toCore((int) value(c, "const.SEEK_HOLE")));
        assertEquals(value(c, "const.UTIME_NOW"), platform.utimeNow());
        assertEquals(value(c, "const.UTIME_OMIT"), platform.utimeOmit());
        assertEquals(value(c, "const.ENODATA"), platform.errnos().code(Errno.ENODATA));
        Platform.FileAttrIoctls io = platform.fileAttrIoctls();
        assertEquals((int) value(c, "const.FS_IOC_GETFLAGS"), io.getFlags());
        assertEquals((int) value(c, "const.FS_IOC_SETFLAGS"), io.setFlags());
        assertEquals((int) value(c, "const.FS_IOC32_GETFLAGS"), io.getFlags32());
        assertEquals((int) value(c, "const.FS_IOC32_SETFLAGS"), io.setFlags32());
        assertEquals((int) value(c, "const.FS_IOC_FSGETXATTR"), io.fsGetXattr());
        assertEquals(value(c, "const.sizeof(struct fsxattr)"), Platform.FileAttrIoctls.FSXATTR_SIZE);
        assertEquals(value(c, "const.makedev(0x12345, 0xabcdef)"), platform.devices().encode(0x12345, 0xabcdef));
        assertEquals(value(c, "const.makedev(8, 1)"), platform.devices().encode(8, 1));
        long dev = value(c, "const.makedev(4095, 1048575)");
        assertEquals(4095, platform.devices().major(dev));
        assertEquals(1048575, platform.devices().minor(dev));
    }
}
