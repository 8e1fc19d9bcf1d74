package org.ext4j.winfsp.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.Tools;
import org.ext4j.winfsp.Shim;

/**
 * Compiles the shim's winfsp_abi.h with a probe that lists, as one array of numbers, the
 * offsetof and sizeof of every member ext4j touches and the constants it relies on: for x86_64
 * with the system compiler, and for arm64 (aarch64) with the cross compiler, whose assembly
 * output is read, so the numbers come from the compilers, not from this project.
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

    /** The probe's facts, each a C expression with its name. */
    static final List<String[]> FACTS = facts();

    private static List<String[]> facts() {
        List<String[]> f = new ArrayList<>();
        struct(f, "wf_stat", "st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev", "st_size",
                "st_atim", "st_mtim", "st_ctim", "st_blksize", "st_blocks", "st_birthtim");
        struct(f, "wf_stat_ex", "st_flags");
        struct(f, "wf_statvfs", "f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
                "f_favail", "f_fsid", "f_flag", "f_namemax");
        struct(f, "wf_timespec", "tv_sec", "tv_nsec");
        struct(f, "wf_args", "argc", "argv", "allocated");
        struct(f, "wf_file_info", "flags", "fh", "lock_owner", "poll_events");
        struct(f, "wf_conn_info", "capable", "want", "reserved");
        struct(f, "wf_config", "entry_timeout", "negative_timeout", "attr_timeout", "hard_remove", "use_ino",
                "readdir_ino", "direct_io", "kernel_cache", "auto_cache", "nullpath_ok");
        struct(f, "wf_context", "fuse", "uid", "gid", "pid", "private_data", "umask");
        f.add(new String[] {"sizeof.wf_operations", "sizeof(struct wf_operations)"});
        for (String op : OPERATIONS) {
            f.add(new String[] {"wf_operations." + op, "offsetof(struct wf_operations, " + op + ")"});
        }
        for (String c : List.of("WF_EDEADLK", "WF_ENAMETOOLONG", "WF_ENOLCK", "WF_ENOSYS", "WF_ENOTEMPTY", "WF_ELOOP",
                "WF_ENODATA", "WF_ENOTSUP", "WF_EOVERFLOW", "WF_ETXTBSY", "WF_O_RDONLY", "WF_O_WRONLY", "WF_O_RDWR",
                "WF_O_APPEND", "WF_O_CREAT", "WF_O_TRUNC", "WF_O_EXCL", "WF_CAP_READDIRPLUS", "WF_FSP_CAP_READ_ONLY",
                "WF_CAP_CASE_INSENSITIVE", "WF_FUSE_VERSION", "WF_READDIR_PLUS", "WF_FILL_DIR_PLUS")) {
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
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <string.h>\n#include \"winfsp_abi.h\"\n");
        c.append("const long facts[] = {\n");
        for (String[] fact : FACTS) {
            c.append("    ").append(fact[1]).append(",\n");
        }
        c.append("};\n");
        if (withMain) {
            c.append("int main(void) {\n");
            c.append("    for (unsigned i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) printf(\"%ld\\n\", facts[i]);\n");
            c.append("    return 0;\n}\n");
        }
        return c.toString();
    }

    /** The facts as the x86_64 compiler lays them out. */
    static Map<String, Long> x86_64(Path dir) throws Exception {
        Tools.require("cc");
        Path src = dir.resolve("probe.c");
        Files.writeString(src, source(true));
        Path bin = dir.resolve("probe");
        Tools.Result cc = Tools.run(List.of("cc", "-I" + Shim.SOURCES, "-o", bin.toString(), src.toString()));
        assertEquals(0, cc.exitCode(), () -> "the probe does not compile:\n" + cc.stderr());
        String[] lines = Tools.runOk(List.of(bin.toString())).stdout().trim().split("\n");
        return byName(lines, 0);
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
