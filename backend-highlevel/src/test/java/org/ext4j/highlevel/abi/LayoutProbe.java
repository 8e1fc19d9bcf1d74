package org.ext4j.highlevel.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.testing.Tools;

/**
 * Compiles a small C program against this machine's system and libfuse3 headers and returns
 * what it prints: offsetof and sizeof of every field the binding touches, and the constants it
 * relies on. The numbers come from the C compiler, not from this project.
 */
final class LayoutProbe {
    private LayoutProbe() {
    }

    /** The probe's source: one "name value" line per fact. */
    private static final String SOURCE = """
            #define FUSE_USE_VERSION 31
            #define _GNU_SOURCE
            #include <fuse.h>
            #include <string.h>
            #include <stddef.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <unistd.h>
            #include <sys/stat.h>
            #include <sys/statvfs.h>
            #include <sys/sysmacros.h>
            #include <sys/ioctl.h>
            #include <linux/fs.h>
            #include <stdio.h>
            #define O(s, f) printf("%s.%s %zu %zu\\n", #s, #f, offsetof(struct s, f), sizeof(((struct s *) 0)->f))
            #define S(s) printf("sizeof.%s %zu\\n", #s, sizeof(struct s))
            #define C(c) printf("const.%s %lld\\n", #c, (long long) (c))
            int main(void) {
                S(stat); O(stat, st_dev); O(stat, st_ino); O(stat, st_nlink); O(stat, st_mode); O(stat, st_uid);
                O(stat, st_gid); O(stat, st_rdev); O(stat, st_size); O(stat, st_blksize); O(stat, st_blocks);
                O(stat, st_atim); O(stat, st_mtim); O(stat, st_ctim);
                S(statvfs); O(statvfs, f_bsize); O(statvfs, f_frsize); O(statvfs, f_blocks); O(statvfs, f_bfree);
                O(statvfs, f_bavail); O(statvfs, f_files); O(statvfs, f_ffree); O(statvfs, f_favail);
                O(statvfs, f_fsid); O(statvfs, f_flag); O(statvfs, f_namemax);
                S(fuse_file_info); O(fuse_file_info, flags); O(fuse_file_info, fh);
                { struct fuse_file_info fi = {0}; unsigned int w;
                  fi.direct_io = 1; memcpy(&w, (char *) &fi + 4, 4); printf("bit.direct_io %u\\n", w);
                  fi.direct_io = 0; fi.keep_cache = 1; memcpy(&w, (char *) &fi + 4, 4); printf("bit.keep_cache %u\\n", w);
                  fi.keep_cache = 0; fi.nonseekable = 1; memcpy(&w, (char *) &fi + 4, 4); printf("bit.nonseekable %u\\n", w);
                  fi.nonseekable = 0; fi.cache_readdir = 1; memcpy(&w, (char *) &fi + 4, 4); printf("bit.cache_readdir %u\\n", w);
                  fi.cache_readdir = 0; fi.noflush = 1; memcpy(&w, (char *) &fi + 4, 4); printf("bit.noflush %u\\n", w); }
                S(fuse_config); O(fuse_config, entry_timeout); O(fuse_config, negative_timeout);
                O(fuse_config, attr_timeout); O(fuse_config, hard_remove); O(fuse_config, use_ino);
                O(fuse_config, readdir_ino); O(fuse_config, direct_io); O(fuse_config, kernel_cache);
                O(fuse_config, auto_cache); O(fuse_config, nullpath_ok);
                S(fuse_conn_info); O(fuse_conn_info, capable); O(fuse_conn_info, want);
                S(fuse_context); O(fuse_context, uid); O(fuse_context, gid); O(fuse_context, pid); O(fuse_context, umask);
                S(fuse_operations);
                O(fuse_operations, getattr); O(fuse_operations, readlink); O(fuse_operations, mknod);
                O(fuse_operations, mkdir); O(fuse_operations, unlink); O(fuse_operations, rmdir);
                O(fuse_operations, symlink); O(fuse_operations, rename); O(fuse_operations, link);
                O(fuse_operations, chmod); O(fuse_operations, chown); O(fuse_operations, truncate);
                O(fuse_operations, open); O(fuse_operations, read); O(fuse_operations, write);
                O(fuse_operations, statfs); O(fuse_operations, flush); O(fuse_operations, release);
                O(fuse_operations, fsync); O(fuse_operations, setxattr); O(fuse_operations, getxattr);
                O(fuse_operations, listxattr); O(fuse_operations, removexattr); O(fuse_operations, opendir);
                O(fuse_operations, readdir); O(fuse_operations, releasedir); O(fuse_operations, fsyncdir);
                O(fuse_operations, init); O(fuse_operations, destroy); O(fuse_operations, access);
                O(fuse_operations, create); O(fuse_operations, lock); O(fuse_operations, utimens);
                O(fuse_operations, bmap); O(fuse_operations, ioctl); O(fuse_operations, poll);
                O(fuse_operations, write_buf); O(fuse_operations, read_buf); O(fuse_operations, flock);
                O(fuse_operations, fallocate); O(fuse_operations, copy_file_range); O(fuse_operations, lseek);
                C(FUSE_VERSION); C(FUSE_CAP_ATOMIC_O_TRUNC); C(FUSE_CAP_DONT_MASK); C(FUSE_CAP_READDIRPLUS);
                C(FUSE_CAP_POSIX_ACL); C(FUSE_CAP_HANDLE_KILLPRIV); C(FUSE_CAP_WRITEBACK_CACHE);
                C(FUSE_READDIR_PLUS); C(FUSE_FILL_DIR_PLUS);
                C(O_ACCMODE); C(O_EXCL); C(O_TRUNC); C(O_APPEND); C(O_NOATIME);
                C(RENAME_NOREPLACE); C(RENAME_EXCHANGE); C(RENAME_WHITEOUT);
                C(UTIME_NOW); C(UTIME_OMIT); C(SEEK_DATA); C(SEEK_HOLE);
                C(FS_IOC_GETFLAGS); C(FS_IOC_SETFLAGS); C(FS_IOC32_GETFLAGS); C(FS_IOC32_SETFLAGS);
                C(FS_IOC_FSGETXATTR); C(FS_IOC_FSSETXATTR); C(sizeof(struct fsxattr));
                C(makedev(0x12345, 0xabcdef)); C(makedev(8, 1)); C(makedev(4095, 1048575));
                C(ENODATA); C(ENOTTY);
                return 0;
            }
            """;

    /** Compiles and runs the probe in {@code dir}; fails naming the package when headers are missing. */
    static Map<String, long[]> run(Path dir) throws Exception {
        Tools.require("cc");
        assertTrue(Files.exists(Path.of("/usr/include/fuse3/fuse.h")),
                "the libfuse3 headers are missing: apt-get install libfuse3-dev (scripts/test.sh does)");
        Path source = dir.resolve("probe.c");
        Files.writeString(source, SOURCE);
        Path binary = dir.resolve("probe");
        Tools.Result cc = Tools.run(List.of("cc", "-I/usr/include/fuse3", "-o", binary.toString(), source.toString()));
        assertEquals(0, cc.exitCode(), () -> "the layout probe does not compile:\n" + cc.stderr());
        Map<String, long[]> facts = new LinkedHashMap<>();
        for (String line : Tools.runOk(List.of(binary.toString())).stdout().split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("const.")) {
                // A constant's name is its C expression, which may hold spaces: the value is the last word.
                int space = trimmed.lastIndexOf(' ');
                facts.put(trimmed.substring(0, space), new long[] {Long.parseLong(trimmed.substring(space + 1))});
                continue;
            }
            String[] parts = trimmed.split(" ");
            long[] values = new long[parts.length - 1];
            for (int i = 1; i < parts.length; i++) {
                values[i - 1] = Long.parseLong(parts[i]);
            }
            facts.put(parts[0], values);
        }
        return facts;
    }

    /** Offset and width of a probed field. */
    static Field field(Map<String, long[]> facts, String name) {
        long[] v = facts.get(name);
        assertTrue(v != null && v.length == 2, "the probe printed no field " + name);
        return new Field((int) v[0], (int) v[1]);
    }

    /** Offset of a probed member of any size (a struct timespec, a function pointer). */
    static int offset(Map<String, long[]> facts, String name) {
        long[] v = facts.get(name);
        assertTrue(v != null && v.length == 2, "the probe printed no field " + name);
        return (int) v[0];
    }

    static long value(Map<String, long[]> facts, String name) {
        long[] v = facts.get(name);
        assertTrue(v != null && v.length == 1, "the probe printed no value " + name);
        return v[0];
    }

    static void assertField(Map<String, long[]> facts, String name, Field actual) {
        assertEquals(field(facts, name), actual, name);
    }
}
