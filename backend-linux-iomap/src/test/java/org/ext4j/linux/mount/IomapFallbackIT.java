package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * On a kernel without the iomap series (6.18) the mount offers FUSE_IOMAP, the kernel does not
 * offer it back, and everything stays on the in-process path: no loop device is attached, and
 * files written through the mount are on the image as debugfs and e2fsck see them.
 */
class IomapFallbackIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void kernelWithoutIomapKeepsInProcessIo() throws Exception {
        Path image = temp.resolve("fallback.img");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "16M"));
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(image, mnt, MountOptions.readWrite(image.toString()));
            assertFalse(mount.iomapGranted(), "this kernel does not offer FUSE_IOMAP, so it is not agreed");
            Files.write(mnt.resolve("f"), data);
            try (var ch = java.nio.channels.FileChannel.open(mnt.resolve("f"), StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 1 << 20);
            }
            byte[] read = Files.readAllBytes(mnt.resolve("f"));
            assertEquals((1 << 20) + 3, read.length, "the write past EOF left a hole and set the size");
            assertArrayEquals(data, java.util.Arrays.copyOf(read, data.length));
            assertTrue(loopDevicesOver(image).isEmpty(), "no loop device was attached for iomap");
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        Tools.run(List.of("e2fsck", "-fn", image.toString())).requireExit(0);
        byte[] dumped = new Debugfs(image).cat("/f");
        assertEquals((1 << 20) + 3, dumped.length);
        assertArrayEquals(data, java.util.Arrays.copyOf(dumped, data.length));
        assertArrayEquals(new byte[] {1, 2, 3}, java.util.Arrays.copyOfRange(dumped, 1 << 20, (1 << 20) + 3));
        assertTrue(loopDevicesOver(image).isEmpty());
    }

    private static List<String> loopDevicesOver(Path image) throws Exception {
        String listing = MountTestSupport.run(List.of("losetup", "-j", image.toRealPath().toString()));
        return listing.lines().filter(l -> !l.isBlank()).toList();
    }
}
