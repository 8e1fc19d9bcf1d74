package org.ext4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ManualClock;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same operation sequence through the kernel's ext4 (a loop mount of an identical image, the
 * operations run as chmod/chown/chattr and utimensat through python3 by root and by unprivileged users through setpriv)
 * and through ext4j: both must agree with the model at every step, hence with each other, and
 * the per-operation errnos are compared directly as well. Operations the kernel side cannot
 * express are skipped on both sides and counted. One run draws the attribute family alone, one
 * every operation (create, mknod, mkdir, symlink, link, unlink, rmdir, rename with its flags,
 * write, truncate, setxattr, removexattr as system calls by python3); the end images must both
 * pass e2fsck and equal the model, contents and listings included.
 */
class KernelParityTest {
    private static final long SEED = Long.getLong("ext4j.seed", 20240501L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.kernelOps", 250);

    @TempDir
    Path dir;

    @Test
    void attributeOperationsMatchTheKernel() throws Exception {
        runBoth(OpMix.attributes(), SEED, OPERATIONS);
    }

    /** Every operation kind: namespace, content and xattrs join the attribute family. */
    @Test
    void everyOperationMatchesTheKernel() throws Exception {
        runBoth(OpMix.all().withKernelTimes(), SEED + 1, OPERATIONS);
    }

    private void runBoth(OpMix mix, long seed, int operations) throws Exception {
        Files.createDirectories(dir.resolve("k"));
        Files.createDirectories(dir.resolve("j"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, dir.resolve("k"));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, dir.resolve("j"));

        Path mount = dir.resolve("mnt");
        // Unprivileged callers must be able to walk to the mount point (JUnit makes its directory 0700).
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        MountedOps.Result kernel = MountedOps.run(kernelImage, mount,
                (img, mnt) -> Tools.run(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString()),
                        Duration.ofSeconds(30)).requireExit(0),
                (img, mnt) -> Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0),
                mix, seed, operations);
        ModelFileSystem.Limits limits;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4jImage, true), OpenOptions.READ_ONLY)) {
            limits = RandomOperationsTest.limits(fs, Variant.EXT4);
        }

        ManualClock clock = new ManualClock(Instant.parse("2024-03-01T12:00:00Z"));
        OpRunner ext4j;
        ModelFileSystem ext4jModel = ImageModel.load(ext4jImage, limits, clock);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4jImage, false), OpenOptions.READ_WRITE)) {
            ext4j = new OpRunner(seed, ext4jModel, PosixFileSystem.of(fs, clock), clock, false);
            ext4j.skipping(new HashSet<>(kernel.skipped()));
            ext4j.run(mix, operations);
        }
        ext4j.summary();
        ImageFactory.requireClean(ext4jImage);
        List<String> ext4jDiff = ImageModel.diff(ext4jModel, ImageModel.load(ext4jImage, limits, clock), false);
        assertTrue(ext4jDiff.isEmpty(), "seed " + seed + ": ext4j's image differs from the model:\n  "
                + String.join("\n  ", ext4jDiff.subList(0, Math.min(40, ext4jDiff.size()))));
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + seed + ": ext4j and the kernel answered differently");
        assertTrue(kernel.compared() > operations / 3, "too few operations reached the kernel");
    }
}
