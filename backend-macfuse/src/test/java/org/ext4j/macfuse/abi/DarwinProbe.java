package org.ext4j.macfuse.abi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.CProbe;
import org.ext4j.macfuse.Shim;

/**
 * Compiles the shim's macfuse_abi.h with a probe ({@link CProbe}) of the offsetof and sizeof of
 * every member ext4j touches and the constants it relies on, for x86_64 and for arm64.
 */
final class DarwinProbe {
    private DarwinProbe() {
    }

    /** macFUSE's fuse_operations members in declaration order (include/fuse.h, the Darwin extensions on). */
    static final List<String> OPERATIONS = List.of("getattr", "setattr", "readlink", "mknod", "mkdir", "unlink",
            "rmdir", "symlink", "rename", "link", "chmod", "chown", "truncate", "open", "read", "write", "statfs",
            "flush", "release", "fsync", "setxattr", "getxattr", "listxattr", "removexattr", "opendir", "readdir",
            "releasedir", "fsyncdir", "init", "destroy", "access", "create", "lock", "utimens", "bmap", "ioctl", "poll",
            "write_buf", "read_buf", "flock", "fallocate", "copy_file_range", "lseek", "chflags", "setvolname",
            "monitor");

    private static final CProbe PROBE = probe();

    private static CProbe probe() {
        CProbe p = new CProbe(Shim.SOURCES, "macfuse_abi.h")
                .struct("mf_darwin_attr", "ino", "mode", "nlink", "uid", "gid", "rdev", "atimespec", "mtimespec",
                        "ctimespec", "btimespec", "bkuptimespec", "size", "blocks", "blksize", "flags", "reserved")
                .struct("mf_statfs", "f_bsize", "f_iosize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
                        "f_fsid", "f_owner", "f_type", "f_flags", "f_fssubtype", "f_fstypename", "f_mntonname",
                        "f_mntfromname", "f_flags_ext", "f_reserved")
                .struct("mf_libfuse_version", "major", "minor", "hotfix")
                .struct("mf_file_info", "flags", "fh", "lock_owner", "poll_events", "backing_id", "compat_flags")
                .struct("mf_conn_info", "capable", "want", "capable_ext", "want_ext", "capable_darwin", "want_darwin")
                .struct("mf_config", "entry_timeout", "negative_timeout", "attr_timeout", "hard_remove", "use_ino",
                        "readdir_ino", "direct_io", "kernel_cache", "auto_cache", "nullpath_ok")
                .struct("mf_context", "fuse", "uid", "gid", "pid", "private_data", "umask")
                .fact("sizeof.mf_operations", "sizeof(struct mf_operations)");
        for (String op : OPERATIONS) {
            p.fact("mf_operations." + op, "offsetof(struct mf_operations, " + op + ")");
        }
        return p.constants(List.of("MF_EDEADLK", "MF_EAGAIN", "MF_ENOTSUP", "MF_ELOOP", "MF_ENAMETOOLONG", "MF_ENOTEMPTY",
                "MF_EDQUOT", "MF_ESTALE", "MF_ENOSYS", "MF_EOVERFLOW", "MF_ENOATTR", "MF_O_ACCMODE", "MF_O_APPEND",
                "MF_O_TRUNC", "MF_O_EXCL", "MF_O_CREAT", "MF_O_EXEC", "MF_XATTR_NOFOLLOW", "MF_XATTR_CREATE",
                "MF_XATTR_REPLACE", "MF_RENAME_SWAP", "MF_RENAME_EXCL", "MF_SEEK_HOLE", "MF_SEEK_DATA", "MF_UTIME_NOW",
                "MF_UTIME_OMIT", "MF_UF_NODUMP", "MF_UF_IMMUTABLE", "MF_UF_APPEND", "MF_SF_IMMUTABLE", "MF_SF_APPEND",
                "MF_SET_ATTR_FLAGS", "MF_MAKEDEV(12, 0x345678)"))
                // The bit-field word of struct libfuse_version with only darwin_extensions_enabled set.
                .printing("    struct mf_libfuse_version v; unsigned w[4];\n"
                        + "    memset(&v, 0, sizeof(v)); v.darwin_extensions_enabled = 1; memcpy(w, &v, 16);\n"
                        + "    printf(\"%u\\n\", w[3]);\n", "bit.darwin_extensions_enabled");
    }

    /** The facts as the x86_64 compiler lays them out, plus "bit.darwin_extensions_enabled" (the word's value). */
    static Map<String, Long> x86_64(Path dir) throws Exception {
        return PROBE.x86_64(dir);
    }

    /** The facts as the aarch64 cross compiler lays them out. */
    static Map<String, Long> aarch64(Path dir) throws Exception {
        return PROBE.aarch64(dir);
    }
}
