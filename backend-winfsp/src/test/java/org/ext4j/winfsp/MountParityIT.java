package org.ext4j.winfsp;

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
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's random operation sequence, as system calls by root and by unprivileged users, on a
 * kernel loop mount and through backend-winfsp and WinFsp's ABI (the shim), with the on-disk
 * owners: both images end clean and equal to the model, and both mounts answer every operation
 * the same. Left out, as WinFsp cannot express them: hard links (no link in its FUSE layer),
 * device nodes and FIFOs (Windows makes neither), rename flags (WinFsp passes 0), xattrs (the
 * sequence sets trusted.*, and EAs have one namespace), the ext4 inode flags, and O_TMPFILE (the
 * high-level API has no tmpfile).
 * {@code -Dext4j.mountOps=N} and {@code -Dext4j.seed=S} vary the run.
 */
class MountParityIT {
    private static final long SEED = Long.getLong("ext4j.seed", 20261207L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.mountOps", 300);

    @TempDir
    Path temp;

    @Test
    void theSameOperationsGiveTheSameAnswersThroughWinFspAndOnTheKernel() throws Exception {
        WinFspHost host = WinFspTestSupport.requireCanMount(temp.resolve("drives"));
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("k")));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("j")));
        OpMix mix = MountedOps.everyOperationFuseForwards().with(OpKind.LINK, 0).with(OpKind.MKNOD, 0)
                .with(OpKind.SETXATTR, 0).with(OpKind.REMOVEXATTR, 0).with(OpKind.SETFLAGS, 0).with(OpKind.TMPFILE, 0)
                .withRenameFlags(0);

        MountedOps.Result kernel = MountedOps.run(kernelImage, temp.resolve("kmnt"),
                (img, mnt) -> Tools.runOk(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString())),
                (img, mnt) -> Tools.runOk(List.of("umount", mnt.toString())), mix, SEED, OPERATIONS);

        HighLevelMount[] served = new HighLevelMount[1];
        MountedOps.Result ext4j = MountedOps.run(ext4jImage, temp.resolve("jmnt"),
                (img, mnt) -> {
                    Files.deleteIfExists(mnt);
                    served[0] = WinFspTestSupport.mount(img, new MountPoint.Directory(mnt),
                            WinFspTestSupport.withOwners(img), host);
                },
                (img, mnt) -> {
                    // From outside, as a removed drive would: the loop ends and the mount closes the volume.
                    Tools.runOk(List.of("umount", mnt.toString()));
                    served[0].awaitExit();
                }, mix, SEED, OPERATIONS);

        assertEquals(kernel.skipped(), ext4j.skipped(), "both sides draw the same sequence");
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + SEED + ": the WinFsp mount and the kernel answered differently");
        assertTrue(ext4j.compared() > OPERATIONS / 3, "too few operations reached the mount: " + ext4j.compared());
    }
}
