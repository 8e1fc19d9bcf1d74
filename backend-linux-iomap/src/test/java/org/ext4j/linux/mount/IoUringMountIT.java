package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.ext4j.core.backend.MountOptionParser;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.linux.LinuxBackend;
import org.ext4j.linux.session.FuseTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read-write mount served through FUSE over io_uring: the kernel takes the ring at INIT, the
 * requests of a small workload arrive through it (READ and WRITE with payloads of every size up
 * to a full 1 MiB, names in the payload buffer), and the image is clean afterwards.
 */
class IoUringMountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void requestsTravelThroughTheRing() throws Exception {
        Path image = temp.resolve("uring.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "64M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        String property = System.getProperty(FuseTransport.PROPERTY);
        FuseMount mount = null;
        try (UringSwitch on = UringSwitch.enable()) {
            System.setProperty(FuseTransport.PROPERTY, "on");
            try {
                mount = LinuxBackend.mount(image, mnt, MountOptions.readWrite(image.toString()));
                assertEquals(FuseTransport.IO_URING, mount.transport());
                Random random = new Random(3);
                for (int size : new int[] {0, 1, 4095, 4096, 65_537, 1 << 20, (1 << 20) + 12_345}) {
                    byte[] data = new byte[size];
                    random.nextBytes(data);
                    Path f = mnt.resolve("dir-" + size).resolve("a-name-that-is-rather-long-".repeat(8) + size);
                    Files.createDirectories(f.getParent());
                    Files.write(f, data);
                    assertArrayEquals(data, Files.readAllBytes(f), "content of " + size + " bytes");
                }
                try (var entries = Files.list(mnt)) {
                    assertEquals(8, entries.count(), "seven directories and lost+found");
                }
                long served = mount.ringRequests();
                assertTrue(served > 50, "requests served through the ring: " + served);
                long start = System.nanoTime();
                mount.unmount();
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(!mount.isMounted(), "every server thread ended, ring threads included");
                assertTrue(ms < 5_000, "unmount took " + ms + " ms");
            } finally {
                MountTestSupport.unmountForSure(mount, mnt);
                restore(property);
            }
        }
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
    }

    /** Mounts a fresh image with {@code options}, runs a few requests, returns the mount's transport and ring count. */
    private String mountAndServe(String name, String options) throws Exception {
        Path image = temp.resolve(name + ".img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "16M"));
        Path mnt = Files.createDirectory(temp.resolve(name));
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(image, mnt,
                    MountOptionParser.parse(MountOptions.readWrite(image.toString()), List.of(options)));
            Files.writeString(mnt.resolve("f"), "x".repeat(5000));
            assertEquals(5000, Files.readString(mnt.resolve("f")).length());
            return mount.transport() + " " + (mount.ringRequests() > 0 ? "ring-used" : "ring-unused");
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
            MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
        }
    }

    @Test
    void ioUringOffForcesDevFuseAndAutoFollowsTheKernel() throws Exception {
        String property = System.getProperty(FuseTransport.PROPERTY);
        System.clearProperty(FuseTransport.PROPERTY);
        try {
            try (UringSwitch on = UringSwitch.enable()) {
                assertEquals("DEV_FUSE ring-unused", mountAndServe("off", "io_uring=off"));
                assertEquals("IO_URING ring-used", mountAndServe("auto-on", "io_uring=auto"));
            }
            try (UringSwitch off = UringSwitch.disable()) {
                assertEquals("DEV_FUSE ring-unused", mountAndServe("auto-off", "io_uring=auto"),
                        "the kernel does not offer FUSE_OVER_IO_URING: /dev/fuse");
                IOException refused = assertThrows(IOException.class, () -> mountAndServe("on-off", "io_uring=on"));
                assertTrue(refused.getMessage().contains("enable_uring"), refused.getMessage());
            }
        } finally {
            restore(property);
        }
    }

    static void restore(String property) {
        if (property == null) {
            System.clearProperty(FuseTransport.PROPERTY);
        } else {
            System.setProperty(FuseTransport.PROPERTY, property);
        }
    }
}
