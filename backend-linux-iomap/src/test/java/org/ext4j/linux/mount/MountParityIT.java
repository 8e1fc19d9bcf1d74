package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.ext4j.core.ops.MountedOps;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * The core's random operation sequence, as system calls by root and by unprivileged users, on a
 * kernel loop mount and on an ext4j FUSE mount of identical images: both images must end clean and
 * equal to the model that judged every step, and the two mounts must answer every operation the
 * same (result or errno). {@code -Dext4j.mountOps=N} and {@code -Dext4j.seed=S} vary the run.
 */
class MountParityIT {
    private static final long SEED = Long.getLong("ext4j.seed", 20261124L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.mountOps", 300);

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void theSameOperationsGiveTheSameAnswersOnExt4jAndOnTheKernel() throws Exception {
        // Unprivileged callers must be able to walk to the mount points (JUnit makes its directory 0700).
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("k")));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("j")));

        MountedOps.Result kernel = MountedOps.run(kernelImage, temp.resolve("kmnt"),
                (img, mnt) -> MountTestSupport.run(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString())),
                (img, mnt) -> MountTestSupport.run(List.of("umount", mnt.toString())),
                MountedOps.everyOperationFuseForwards(), SEED, OPERATIONS);

        FuseMount[] served = new FuseMount[1];
        MountedOps.Result ext4j = MountedOps.run(ext4jImage, temp.resolve("jmnt"),
                (img, mnt) -> served[0] = LinuxBackend.mount(img, mnt, MountOptions.readWrite(img.toString()).withAllowOther(true)),
                (img, mnt) -> {
                    MountTestSupport.run(List.of("umount", mnt.toString()));
                    served[0].waitUntilUnmounted();
                },
                MountedOps.everyOperationFuseForwards(), SEED, OPERATIONS);

        assertEquals(kernel.skipped(), ext4j.skipped(), "both sides draw the same sequence");
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + SEED + ": the ext4j mount and the kernel answered differently");
        assertTrue(ext4j.compared() > OPERATIONS / 3, "too few operations reached the mount: " + ext4j.compared());
    }
}
