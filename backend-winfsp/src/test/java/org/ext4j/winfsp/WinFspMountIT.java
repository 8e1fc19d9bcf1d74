package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mounts through backend-winfsp, WinFsp's ABI (the shim) and Linux libfuse3 on drive letters and
 * on a directory: what is written lands on the image (e2fsck clean, debugfs reads it), the drive
 * goes away at the unmount and the journal is committed.
 */
class WinFspMountIT {
    @TempDir
    Path temp;

    @Test
    void aDriveLetterServesTheVolumeAndTheUnmountCommitsIt() throws Exception {
        Path drives = temp.resolve("drives");
        WinFspHost host = WinFspTestSupport.requireCanMount(drives);
        Path image = temp.resolve("x.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-L", "DATA", image.toString(), "32M"));
        HighLevelMount mount = WinFspTestSupport.mount(image, MountPoint.parse("x:"),
                WinFspTestSupport.withOwners(image), host);
        Path x = drives.resolve("X");
        try {
            assertTrue(MountTable.isMountPoint(x), "drive X: is " + x);
            Files.writeString(x.resolve("hello.txt"), "hello from Windows\n");
            Files.createDirectories(x.resolve("dir/sub"));
            assertEquals("hello from Windows\n", Files.readString(x.resolve("hello.txt")));
        } finally {
            HighLevelMounts.unmountForSure(mount, x);
        }
        assertFalse(MountTable.isMountPoint(x), "fuse3_exit took the drive away");
        ImageFactory.requireClean(image);
        Debugfs debugfs = new Debugfs(image);
        assertEquals("hello from Windows\n", new String(debugfs.cat("/hello.txt")));
        assertTrue(debugfs.stat("/dir/sub").mode() > 0);
    }
}
