package org.ext4j.winfsp.abi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.CProbe;
import org.ext4j.winfsp.Shim;

/**
 * Compiles the shim's winfsp_abi.h with a probe ({@link CProbe}) of the offsetof and sizeof of
 * every member ext4j touches and the constants it relies on, for x86_64 and for arm64.
 */
final class WinFspProbe {
    private WinFspProbe() {
    }

    /** WinFsp's fuse3_operations members in declaration order (inc/fuse3/fuse.h). */
    static final List<String> OPERATIONS = List.of("getattr", "readlink", "mknod", "mkdir", "unlink", "rmdir",
            "symlink", "rename", "link", "chmod", "chown", "truncate", "open", "read", "write", "statfs", "flush",
            "release", "fsync", "setxattr", "getxattr", "listxattr", "removexattr", "opendir", "readdir", "releasedir",
            "fsyncdir", "init", "destroy", "access", "create", "lock", "utimens", "bmap", "ioctl", "poll", "write_buf",
            "read_buf", "flock", "fallocate");

    private static final CProbe PROBE = probe();

    private static CProbe probe() {
        CProbe p = new CProbe(Shim.SOURCES, "winfsp_abi.h")
                .struct("wf_stat", "st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev", "st_size",
                        "st_atim", "st_mtim", "st_ctim", "st_blksize", "st_blocks", "st_birthtim")
                .struct("wf_stat_ex", "st_flags")
                .struct("wf_statvfs", "f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
                        "f_favail", "f_fsid", "f_flag", "f_namemax")
                .struct("wf_timespec", "tv_sec", "tv_nsec")
                .struct("wf_args", "argc", "argv", "allocated")
                .struct("wf_file_info", "flags", "fh", "lock_owner", "poll_events")
                .struct("wf_conn_info", "capable", "want", "reserved")
                .struct("wf_config", "entry_timeout", "negative_timeout", "attr_timeout", "hard_remove", "use_ino",
                        "readdir_ino", "direct_io", "kernel_cache", "auto_cache", "nullpath_ok")
                .struct("wf_context", "fuse", "uid", "gid", "pid", "private_data", "umask")
                .fact("sizeof.wf_operations", "sizeof(struct wf_operations)");
        for (String op : OPERATIONS) {
            p.fact("wf_operations." + op, "offsetof(struct wf_operations, " + op + ")");
        }
        return p.constants(List.of("WF_EDEADLK", "WF_ENAMETOOLONG", "WF_ENOLCK", "WF_ENOSYS", "WF_ENOTEMPTY", "WF_ELOOP",
                "WF_ENODATA", "WF_ENOTSUP", "WF_EOVERFLOW", "WF_ETXTBSY", "WF_O_RDONLY", "WF_O_WRONLY", "WF_O_RDWR",
                "WF_O_APPEND", "WF_O_CREAT", "WF_O_TRUNC", "WF_O_EXCL", "WF_CAP_READDIRPLUS", "WF_FSP_CAP_READ_ONLY",
                "WF_CAP_CASE_INSENSITIVE", "WF_FUSE_VERSION", "WF_READDIR_PLUS", "WF_FILL_DIR_PLUS"));
    }

    /** The facts as the x86_64 compiler lays them out. */
    static Map<String, Long> x86_64(Path dir) throws Exception {
        return PROBE.x86_64(dir);
    }

    /** The facts as the aarch64 cross compiler lays them out. */
    static Map<String, Long> aarch64(Path dir) throws Exception {
        return PROBE.aarch64(dir);
    }
}
