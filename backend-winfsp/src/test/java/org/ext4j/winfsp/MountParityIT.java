package org.ext4j.winfsp;

import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.ops.MountParitySuite;
import org.ext4j.core.ops.OpKind;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's mount parity suite through backend-winfsp and WinFsp's ABI (the shim), with the
 * on-disk owners, leaving out what WinFsp cannot express.
 */
class MountParityIT {
    @TempDir
    Path temp;

    @Test
    void theSameOperationsGiveTheSameAnswersThroughWinFspAndOnTheKernel() throws Exception {
        WinFspHost host = WinFspTestSupport.requireCanMount(temp.resolve("drives"));
        String xattrs = "the sequence sets trusted.*, and EAs have one namespace";
        MountParitySuite.of("the WinFsp mount", (image, dir) -> {
            Files.deleteIfExists(dir);
            return HighLevelMounts.served(WinFspTestSupport.mount(image, new MountPoint.Directory(dir),
                    WinFspTestSupport.withOwners(image), host), dir);
        })
                .leavingOut(OpKind.LINK, "WinFsp's FUSE layer has no link")
                .leavingOut(OpKind.MKNOD, "Windows makes neither device nodes nor FIFOs")
                .leavingOut(OpKind.SETXATTR, xattrs)
                .leavingOut(OpKind.REMOVEXATTR, xattrs)
                .leavingOut(OpKind.SETFLAGS, "Windows has no ext4 inode flags")
                .leavingOut(OpKind.TMPFILE, "the high-level API has no tmpfile")
                .withRenameFlags(0, "WinFsp passes 0")
                .run(temp, 20261207L);
    }
}
