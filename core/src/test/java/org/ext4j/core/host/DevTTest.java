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
 * JDK's unix:rdev and by stat(1); the other systems against values worked out from their
 * headers' macros.
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

    @Test
    void windowsHasNone() {
        assertEquals(Optional.empty(), DevT.of(HostOs.WINDOWS));
        assertEquals(Optional.of(DevT.LINUX), DevT.of(HostOs.LINUX));
    }
}
