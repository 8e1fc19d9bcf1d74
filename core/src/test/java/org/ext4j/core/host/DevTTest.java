package org.ext4j.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dev_t decoding: on Linux against nodes made by mknod(1) (glibc's makedev) and read back by the
 * JDK's unix:rdev and by stat(1), and against glibc's sys/sysmacros.h compiled by cc for the
 * widths mknod cannot reach; the other systems against values worked out from their headers'
 * macros.
 */
class DevTTest {
    @TempDir
    Path temp;

    @Test
    void linuxNumbersAreWhatMknodAndStatSay() {
        // The kernel keeps 12 bits of major and 20 of minor (MINORBITS); glibc's wider fields are beyond mknod.
        long[][] cases = {{7, 3}, {259, 0}, {4095, 255}, {4095, 0xfffff}, {300, 70_000}, {1, 0x12345}};
        for (long[] c : cases) {
            Path node = temp.resolve("node-" + c[0] + "-" + c[1]);
            Tools.runOk(List.of("mknod", node.toString(), "b", Long.toString(c[0]), Long.toString(c[1])));
            long rdev = rdev(node);
            assertEquals(c[0], DevT.LINUX.major(rdev), node.toString());
            assertEquals(c[1], DevT.LINUX.minor(rdev), node.toString());
            assertEquals(rdev, DevT.LINUX.encode(c[0], c[1]), node.toString());
            // stat(1) prints the major and minor in hex (%t, %T), through glibc's major()/minor().
            String[] hex = Tools.runOk(List.of("stat", "-c", "%t %T", node.toString())).stdout().strip().split(" ");
            assertEquals(Long.parseLong(hex[0], 16), DevT.LINUX.major(rdev));
            assertEquals(Long.parseLong(hex[1], 16), DevT.LINUX.minor(rdev));
        }
    }

    /** glibc's makedev, major and minor (sys/sysmacros.h) over the whole 32-bit major and minor. */
    @Test
    void linuxNumbersAreWhatGlibcsMacrosSay() {
        long[][] cases = {{0x12345678L, 0x9abcdef0L}, {0xffffffffL, 0xffffffffL}, {0xfffL, 0xffL}, {0x1000L, 0x100L},
            {8, 1}};
        StringBuilder c = new StringBuilder(
                "#include <stdio.h>\n#include <sys/types.h>\n#include <sys/sysmacros.h>\nint main(void) {\n");
        for (long[] n : cases) {
            c.append("    { dev_t d = makedev(").append(n[0]).append("u, ").append(n[1]).append("u); ")
                    .append("printf(\"%llu %u %u\\n\", (unsigned long long) d, major(d), minor(d)); }\n");
        }
        c.append("    return 0;\n}\n");
        String[] lines = compileAndRun(c.toString()).strip().split("\n");
        assertEquals(cases.length, lines.length, String.join("\n", lines));
        for (int i = 0; i < cases.length; i++) {
            String[] glibc = lines[i].split(" ");
            long dev = Long.parseUnsignedLong(glibc[0]);
            String what = "makedev(" + Long.toHexString(cases[i][0]) + ", " + Long.toHexString(cases[i][1]) + ")";
            assertEquals(dev, DevT.LINUX.encode(cases[i][0], cases[i][1]), what);
            assertEquals(Long.parseLong(glibc[1]), DevT.LINUX.major(dev), what);
            assertEquals(Long.parseLong(glibc[2]), DevT.LINUX.minor(dev), what);
        }
    }

    private String compileAndRun(String source) {
        try {
            Path src = Files.writeString(temp.resolve("sysmacros.c"), source);
            Path bin = temp.resolve("sysmacros");
            Tools.Result cc = Tools.run(List.of("cc", "-o", bin.toString(), src.toString()));
            assertEquals(0, cc.exitCode(), () -> "the glibc probe does not compile (scripts/test.sh installs gcc and "
                    + "libc6-dev):\n" + cc.stderr());
            return Tools.runOk(List.of(bin.toString())).stdout();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long rdev(Path node) {
        try {
            return ((Number) Files.getAttribute(node, "unix:rdev")).longValue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void freebsdSplitsMajorAndMinorAcrossBothWords() {
        // makedev(0x12345678, 0x9abcdef0) = (0x12345600 << 32) | (0x78 << 8) | (0xde00 << 24) | 0x9abc00f0
        long dev = 0x1234_5600_0000_0000L | 0x7800L | 0xde_0000_0000L | 0x9abc_00f0L;
        assertEquals(dev, DevT.FREEBSD.encode(0x12345678L, 0x9abcdef0L));
        assertEquals(0x12345678L, DevT.FREEBSD.major(dev));
        assertEquals(0x9abcdef0L, DevT.FREEBSD.minor(dev));
        // Small numbers sit where the old 32-bit dev_t had them.
        assertEquals(0x0503L, DevT.FREEBSD.encode(5, 3));
    }

    @Test
    void macosHasEightBitsOfMajor() {
        assertEquals(0x0100_0003L, DevT.MACOS.encode(1, 3));
        assertEquals(1, DevT.MACOS.major(0x0100_0003L));
        assertEquals(3, DevT.MACOS.minor(0x0100_0003L));
        assertEquals(0xff, DevT.MACOS.major(0xff12_3456L));
        assertEquals(0x12_3456, DevT.MACOS.minor(0xff12_3456L));
    }

    /**
     * Cygwin's sys/sysmacros.h, which WinFsp's fuse_dev_t follows: makedev(ma, mi) is
     * (ma << 16) | (mi & 0xffff) in a 32-bit dev_t, major(dev) is (dev >> 16) & 0xffff, minor(dev)
     * is dev & 0xffff.
     */
    @Test
    void cygwinHasSixteenBitsEach() {
        assertEquals(0x1234_5678L, DevT.CYGWIN.encode(0x1234, 0x5678));
        assertEquals(0x0002_2345L, DevT.CYGWIN.encode(2, 0x12345), "the minor's 17th bit is dropped");
        assertEquals(0xabcd, DevT.CYGWIN.major(0xabcd_ef01L));
        assertEquals(0xef01, DevT.CYGWIN.minor(0xabcd_ef01L));
        assertEquals(0xffff_ffffL, DevT.CYGWIN.encode(0xffff, 0xffff), "a dev_t of 32 bits, never negative");
    }

    @Test
    void windowsHasNone() {
        assertEquals(Optional.empty(), DevT.of(HostOs.WINDOWS));
        assertEquals(Optional.of(DevT.LINUX), DevT.of(HostOs.LINUX));
    }
}
