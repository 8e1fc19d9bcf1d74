package org.ext4j.macfuse.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.Tools;
import org.ext4j.macfuse.Shim;

/**
 * Compiles the shim's macfuse_abi.h with a probe that lists, as one array of numbers, the
 * offsetof and sizeof of every member ext4j touches and the constants it relies on: for x86_64
 * with the system compiler, and for arm64 (aarch64) with the cross compiler, whose assembly
 * output is read, so the numbers come from the compilers, not from this project.
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

    /** The probe's facts, each a C expression with its name. */
    static final List<String[]> FACTS = facts();

    private static List<String[]> facts() {
        List<String[]> f = new ArrayList<>();
        struct(f, "mf_darwin_attr", "ino", "mode", "nlink", "uid", "gid", "rdev", "atimespec", "mtimespec", "ctimespec",
                "btimespec", "bkuptimespec", "size", "blocks", "blksize", "flags", "reserved");
        struct(f, "mf_statfs", "f_bsize", "f_iosize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree", "f_fsid",
                "f_owner", "f_type", "f_flags", "f_fssubtype", "f_fstypename", "f_mntonname", "f_mntfromname",
                "f_flags_ext", "f_reserved");
        struct(f, "mf_libfuse_version", "major", "minor", "hotfix");
        struct(f, "mf_file_info", "flags", "fh", "lock_owner", "poll_events", "backing_id", "compat_flags");
        struct(f, "mf_conn_info", "capable", "want", "capable_ext", "want_ext", "capable_darwin", "want_darwin");
        struct(f, "mf_config", "entry_timeout", "negative_timeout", "attr_timeout", "hard_remove", "use_ino",
                "readdir_ino", "direct_io", "kernel_cache", "auto_cache", "nullpath_ok");
        struct(f, "mf_context", "fuse", "uid", "gid", "pid", "private_data", "umask");
        f.add(new String[] {"sizeof.mf_operations", "sizeof(struct mf_operations)"});
        for (String op : OPERATIONS) {
            f.add(new String[] {"mf_operations." + op, "offsetof(struct mf_operations, " + op + ")"});
        }
        for (String c : List.of("MF_EDEADLK", "MF_EAGAIN", "MF_ENOTSUP", "MF_ELOOP", "MF_ENAMETOOLONG", "MF_ENOTEMPTY",
                "MF_EDQUOT", "MF_ESTALE", "MF_ENOSYS", "MF_EOVERFLOW", "MF_ENOATTR", "MF_O_ACCMODE", "MF_O_APPEND",
                "MF_O_TRUNC", "MF_O_EXCL", "MF_O_CREAT", "MF_O_EXEC", "MF_XATTR_NOFOLLOW", "MF_XATTR_CREATE", "MF_XATTR_REPLACE",
                "MF_RENAME_SWAP", "MF_RENAME_EXCL", "MF_SEEK_HOLE", "MF_SEEK_DATA", "MF_UTIME_NOW", "MF_UTIME_OMIT",
                "MF_UF_NODUMP", "MF_UF_IMMUTABLE", "MF_UF_APPEND", "MF_SF_IMMUTABLE", "MF_SF_APPEND",
                "MF_SET_ATTR_FLAGS", "MF_MAKEDEV(12, 0x345678)")) {
            f.add(new String[] {"const." + c, "(long) (" + c + ")"});
        }
        return f;
    }

    private static void struct(List<String[]> f, String name, String... members) {
        f.add(new String[] {"sizeof." + name, "sizeof(struct " + name + ")"});
        for (String m : members) {
            f.add(new String[] {name + "." + m, "offsetof(struct " + name + ", " + m + ")"});
            f.add(new String[] {"size." + name + "." + m, "sizeof(((struct " + name + " *) 0)->" + m + ")"});
        }
    }

    private static String source(boolean withMain) {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <string.h>\n#include \"macfuse_abi.h\"\n");
        c.append("const long facts[] = {\n");
        for (String[] fact : FACTS) {
            c.append("    ").append(fact[1]).append(",\n");
        }
        c.append("};\n");
        if (withMain) {
            // The bit-field word of struct libfuse_version with only darwin_extensions_enabled set.
            c.append("int main(void) {\n");
            c.append("    for (unsigned i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) printf(\"%ld\\n\", facts[i]);\n");
            c.append("    struct mf_libfuse_version v; unsigned w[4];\n");
            c.append("    memset(&v, 0, sizeof(v)); v.darwin_extensions_enabled = 1; memcpy(w, &v, 16);\n");
            c.append("    printf(\"%u\\n\", w[3]);\n    return 0;\n}\n");
        }
        return c.toString();
    }

    /** The facts as the x86_64 compiler lays them out, plus "bit.darwin_extensions_enabled" (the word's value). */
    static Map<String, Long> x86_64(Path dir) throws Exception {
        Tools.require("cc");
        Path src = dir.resolve("probe.c");
        Files.writeString(src, source(true));
        Path bin = dir.resolve("probe");
        Tools.Result cc = Tools.run(List.of("cc", "-I" + Shim.SOURCES, "-o", bin.toString(), src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the probe does not compile:\n" + cc.stderr());
        String[] lines = Tools.runOk(List.of(bin.toString())).stdout().trim().split("\n");
        Map<String, Long> m = byName(lines, 0);
        m.put("bit.darwin_extensions_enabled", Long.parseLong(lines[FACTS.size()].trim()));
        return m;
    }

    /** The facts as the aarch64 cross compiler lays them out (its assembly's .xword list). */
    static Map<String, Long> aarch64(Path dir) throws Exception {
        assertTrue(Tools.available("aarch64-linux-gnu-gcc"),
                "the arm64 cross compiler is missing: apt-get install gcc-aarch64-linux-gnu (scripts/test.sh does)");
        Path src = dir.resolve("probe-arm64.c");
        Files.writeString(src, source(false));
        Path asm = dir.resolve("probe-arm64.s");
        Tools.Result cc = Tools.run(List.of("aarch64-linux-gnu-gcc", "-S", "-I" + Shim.SOURCES, "-o", asm.toString(),
                src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the arm64 probe does not compile:\n" + cc.stderr());
        List<String> values = new ArrayList<>();
        for (String line : Files.readAllLines(asm)) {
            String t = line.trim();
            String[] words = t.split("\\s+");
            if (words.length == 2 && (words[0].equals(".xword") || words[0].equals(".8byte") || words[0].equals(".dword"))) {
                values.add(words[1]);
            }
        }
        assertEquals(FACTS.size(), values.size(), "one .xword per fact in " + asm);
        return byName(values.toArray(new String[0]), 0);
    }

    private static Map<String, Long> byName(String[] values, int from) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < FACTS.size(); i++) {
            m.put(FACTS.get(i)[0], Long.parseLong(values[from + i].trim()));
        }
        return m;
    }
}
