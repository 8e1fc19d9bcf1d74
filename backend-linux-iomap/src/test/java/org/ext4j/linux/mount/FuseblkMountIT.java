package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.host.ImageLock;

/**
 * A block device (a loop device over an mkfs.ext4 image) is mounted as fuseblk.ext4j: the kernel
 * claims the device, a second writer is refused, and what was written is on the device after
 * umount (e2fsck -fn, debugfs dump); FIBMAP names the blocks debugfs finds.
 */
class FuseblkMountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void blockDeviceMountsAsFuseblk() throws Exception {
        Path image = temp.resolve("blk.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", image.toString(), "32M"));
        Path loop = Path.of(MountTestSupport.run(List.of("losetup", "-f", "--show", image.toString())).strip());
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        byte[] data = new byte[300_000];
        new Random(3).nextBytes(data);
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(loop, mnt, MountOptions.readWrite(loop.toString()));
            String line = mountsLine(mnt.toRealPath());
            assertTrue(line.startsWith(loop + " " + mnt.toRealPath() + " fuseblk.ext4j rw,"), line);
            assertTrue(line.contains("blksize=4096"), line);
            Files.createDirectory(mnt.resolve("dir"));
            Files.write(mnt.resolve("dir/data.bin"), data);
            // FIEMAP never reaches a FUSE server, but FIBMAP does on fuseblk (FUSE_BMAP): one
            // device block per file block, compared below with debugfs on the unmounted device.
            int blocks = (data.length + 4095) / 4096;
            String fibmap = MountTestSupport.run(List.of("python3", "-c", String.join("\n",
                    "import fcntl, os, struct, sys",
                    "fd = os.open(sys.argv[1], os.O_RDONLY)",
                    "print(struct.unpack('i', fcntl.ioctl(fd, 2, struct.pack('i', 0)))[0])",
                    "for b in range(int(sys.argv[2]) + 1):",
                    "    print(struct.unpack('i', fcntl.ioctl(fd, 1, struct.pack('i', b)))[0])"),
                    mnt.resolve("dir/data.bin").toString(), Integer.toString(blocks))).strip();

            IOException second = assertThrows(IOException.class, () -> ImageLock.acquire(loop));
            assertTrue(second.getMessage().contains("is in use"), second.getMessage());
            IOException kernel = assertThrows(IOException.class,
                    () -> MountTestSupport.run(List.of("mount", "-t", "ext4", loop.toString(), temp.toString())));
            assertTrue(kernel.getMessage().contains("busy") || kernel.getMessage().contains("already mounted"),
                    kernel.getMessage());

            MountTestSupport.run(List.of("umount", mnt.toString()));
            mount.waitUntilUnmounted();
            mount = null;
            MountTestSupport.run(List.of("e2fsck", "-fn", loop.toString()));
            Path dump = temp.resolve("dump.bin");
            MountTestSupport.run(List.of("debugfs", "-R", "dump /dir/data.bin " + dump, loop.toString()));
            assertArrayEquals(data, Files.readAllBytes(dump));
            StringBuilder bmap = new StringBuilder("4096");
            for (int b = 0; b < blocks; b++) {
                String out = MountTestSupport.run(List.of("debugfs", "-R", "bmap /dir/data.bin " + b, loop.toString()));
                // The last line: debugfs prints its banner first.
                bmap.append('\n').append(out.strip().lines().reduce((first, last) -> last).orElse(""));
            }
            // FIGETBSZ, then every block; past the end of the file there is none (0).
            assertEquals(bmap + "\n0", fibmap);
            ImageLock.acquire(loop).close();
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
            new ProcessBuilder("losetup", "-d", loop.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
    }

    private static String mountsLine(Path dir) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            if (line.split(" ")[1].equals(dir.toString())) {
                return line;
            }
        }
        return "(not mounted)";
    }

    @Test
    void sizeOfBlocksFollowsTheFilesystemUpToAPage() throws Exception {
        Path image = temp.resolve("1k.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-b", "1024", image.toString(), "8M"));
        try (org.ext4j.core.fs.PosixFileSystem v = org.ext4j.core.fs.PosixFileSystem.open(image,
                org.ext4j.core.fs.OpenOptions.READ_ONLY)) {
            assertEquals(1024, LinuxBackend.asBlockDevice(LinuxMountOptions.of(MountOptions.readOnly("x")), image, v).blockSize());
        }
    }
}
