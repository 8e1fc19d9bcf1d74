package org.ext4j.macfuse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.ops.MountParitySuite;
import org.ext4j.core.ops.OpKind;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's mount parity suite through backend-macfuse and macFUSE's ABI (the shim), in the
 * kernel extension's mode with the on-disk owners, leaving out what macOS cannot express.
 */
class MountParityIT {
    @TempDir
    Path temp;

    @Test
    void theSameOperationsGiveTheSameAnswersThroughMacFuseAndOnTheKernel() throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        String xattrs = "macOS has xattrs in user.* only, and the sequence sets trusted.* too";
        MountParitySuite.of("the macFUSE mount", (image, dir) -> HighLevelMounts.served(
                MacFuseTestSupport.mount(image, dir, MacFuseTestSupport.vfsWithOwners(image), volumes), dir))
                .leavingOut(OpKind.SETXATTR, xattrs)
                .leavingOut(OpKind.REMOVEXATTR, xattrs)
                .leavingOut(OpKind.SETFLAGS, "chflags(2) has no ext4 inode flags beyond its own")
                .leavingOut(OpKind.TMPFILE, "neither macOS nor libfuse's high-level API has O_TMPFILE")
                .withRenameFlags(WritableFileSystem.RENAME_NOREPLACE | WritableFileSystem.RENAME_EXCHANGE,
                        "renamex_np has RENAME_SWAP and RENAME_EXCL only, no RENAME_WHITEOUT")
                .run(temp, 20261206L);
    }
}
