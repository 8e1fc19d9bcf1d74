package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.ext4j.core.ops.MountedOps;
import org.ext4j.core.ops.OpKind;
import org.ext4j.core.ops.OpMix;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's random operation sequence, as system calls by root and by unprivileged users, on a
 * kernel loop mount and through libfuse3's high-level API: both images end clean and equal to
 * the model, and both mounts answer every operation the same. {@code -Dext4j.mountOps=N} and
 * {@code -Dext4j.seed=S} vary the run.
 */
class MountParityIT {
    private static final long SEED = Long.getLong("ext4j.seed", 20261124L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.mountOps", 300);
    /**
     * Everything FUSE forwards but O_TMPFILE: libfuse's high-level API has no tmpfile operation
     * (3.14 and 3.17 alike; only the low-level one has), so the kernel gets ENOSYS and answers
     * EOPNOTSUPP.
     */
    private static final OpMix MIX = MountedOps.everyOperationFuseForwards().with(OpKind.TMPFILE, 0);

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void theSameOperationsGiveTheSameAnswersThroughLibfuseAndOnTheKernel() throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("k")));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("j")));

        MountedOps.Result kernel = MountedOps.run(kernelImage, temp.resolve("kmnt"),
                (img, mnt) -> HighLevelTestSupport.run(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(),
                        mnt.toString())),
                (img, mnt) -> HighLevelTestSupport.run(List.of("umount", mnt.toString())),
                MIX, SEED, OPERATIONS);

        HighLevelMount[] served = new HighLevelMount[1];
        MountedOps.Result ext4j = MountedOps.run(ext4jImage, temp.resolve("jmnt"),
                (img, mnt) -> served[0] = HighLevelTestSupport.mount(img, mnt,
                        HighLevelOptions.readWrite(img.toString()).withAllowOther(true)),
                (img, mnt) -> {
                    // From outside, as a user would: the loop ends and the mount closes the volume.
                    HighLevelTestSupport.run(List.of("umount", mnt.toString()));
                    served[0].awaitExit();
                },
                MIX, SEED, OPERATIONS);

        assertEquals(kernel.skipped(), ext4j.skipped(), "both sides draw the same sequence");
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + SEED + ": the fuse3 mount and the kernel answered differently");
        assertTrue(ext4j.compared() > OPERATIONS / 3, "too few operations reached the mount: " + ext4j.compared());
    }
}
