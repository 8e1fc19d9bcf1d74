package org.ext4j.linux.iomap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device side of iomap: the ioctl numbers (worked out by hand from _IOW(229, nr, size)) and,
 * as root, a real loop device attached with direct I/O and autoclear, as the kernel's sysfs and
 * losetup report it, gone again after close.
 */
class IomapDeviceIoctlTest {
    @TempDir
    Path temp;

    @Test
    void ioctlNumbers() {
        // _IOW: direction 1 in bits 30-31, size in 16-29, magic 229 (0xe5) in 8-15, number in 0-7.
        assertEquals(0x4010e501L, IomapBlockDevice.FUSE_DEV_IOC_BACKING_OPEN);
        assertEquals(0x4004e502L, IomapBlockDevice.FUSE_DEV_IOC_BACKING_CLOSE);
        assertEquals(0x4008e566L, IomapBlockDevice.FUSE_DEV_IOC_IOMAP_SET_BLOCKSIZE);
        assertEquals(304, LoopDevice.LOOP_CONFIG_SIZE, "sizeof(struct loop_config)");
    }

    @Test
    void loopDeviceWithDirectIoAndAutoclear() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/loop-control")), "needs root and /dev/loop-control");
        Path image = Files.createFile(Path.of("/var/tmp").resolve("ext4j-loop-" + ProcessHandle.current().pid() + ".img"));
        try {
            Tools.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "8M")).requireExit(0);
            String sysName;
            try (LoopDevice loop = LoopDevice.attach(image, false)) {
                sysName = loop.node().getFileName().toString();
                Path sys = Path.of("/sys/block", sysName, "loop");
                assertEquals(image.toRealPath().toString(), Files.readString(sys.resolve("backing_file")).trim());
                assertEquals("1", Files.readString(sys.resolve("autoclear")).trim());
                assertEquals("1", Files.readString(sys.resolve("dio")).trim(), "direct I/O on /var/tmp");
                assertEquals(List.of(loop.node().toString()), LoopDevice.backingDevices(image.toRealPath()));
                IOException twice = assertThrows(IOException.class, () -> LoopDevice.attach(image, false));
                assertTrue(twice.getMessage().contains("already backs"), twice.getMessage());
                // The kernel reads the filesystem through the loop device.
                Tools.run(List.of("dumpe2fs", "-h", loop.node().toString())).requireExit(0);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Files.exists(Path.of("/sys/block", sysName, "loop", "backing_file")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(LoopDevice.backingDevices(image.toRealPath()).isEmpty(), "autoclear detached it at close");
        } finally {
            for (String dev : LoopDevice.backingDevices(image.toRealPath())) {
                Tools.run(List.of("losetup", "-d", dev));
            }
            Files.deleteIfExists(image);
        }
    }
}
