package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.ext4j.core.ops.MountedOps;
import org.ext4j.core.ops.OpKind;
import org.ext4j.core.ops.OpMix;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's random operation sequence, as system calls by root and by unprivileged users, on a
 * kernel loop mount and through backend-macfuse and macFUSE's ABI (the shim): both images end
 * clean and equal to the model, and both mounts answer every operation the same. Left out, as
 * macOS cannot express them: xattrs outside user.* (the sequence sets trusted.* too), the ext4
 * inode flags beyond chflags(2)'s, RENAME_WHITEOUT (renamex_np has RENAME_SWAP and
 * RENAME_EXCL only) and O_TMPFILE (neither macOS nor libfuse's high-level API has it). {@code -Dext4j.mountOps=N} and {@code -Dext4j.seed=S} vary the run.
 */
class MountParityIT {
    private static final long SEED = Long.getLong("ext4j.seed", 20261206L);
    private static final int OPERATIONS = Integer.getInteger("ext4j.mountOps", 300);

    @TempDir
    Path temp;

    @Test
    void theSameOperationsGiveTheSameAnswersThroughMacFuseAndOnTheKernel() throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("k")));
        Path ext4jImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("j")));
        OpMix mix = MountedOps.everyOperationFuseForwards().with(OpKind.SETXATTR, 0).with(OpKind.REMOVEXATTR, 0)
                .with(OpKind.SETFLAGS, 0).with(OpKind.TMPFILE, 0).withRenameFlags(WritableFileSystem.RENAME_NOREPLACE | WritableFileSystem.RENAME_EXCHANGE);

        MountedOps.Result kernel = MountedOps.run(kernelImage, temp.resolve("kmnt"),
                (img, mnt) -> Tools.runOk(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString())),
                (img, mnt) -> Tools.runOk(List.of("umount", mnt.toString())), mix, SEED, OPERATIONS);

        HighLevelMount[] served = new HighLevelMount[1];
        MountedOps.Result ext4j = MountedOps.run(ext4jImage, temp.resolve("jmnt"),
                (img, mnt) -> served[0] = MacFuseTestSupport.mount(img, mnt, MacFuseTestSupport.vfsWithOwners(img),
                        volumes),
                (img, mnt) -> {
                    // From outside, as an eject would: the loop ends and the mount closes the volume.
                    Tools.runOk(List.of("umount", mnt.toString()));
                    served[0].awaitExit();
                }, mix, SEED, OPERATIONS);

        assertEquals(kernel.skipped(), ext4j.skipped(), "both sides draw the same sequence");
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "seed " + SEED + ": the macFUSE mount and the kernel answered differently");
        assertTrue(ext4j.compared() > OPERATIONS / 3, "too few operations reached the mount: " + ext4j.compared());
    }
}
