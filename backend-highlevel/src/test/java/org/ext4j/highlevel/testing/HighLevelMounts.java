package org.ext4j.highlevel.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.ServingMounter;
import org.ext4j.highlevel.HighLevelMount;

// What the mount tests of every backend built on the high-level binding (fuse3, macFUSE, WinFsp) do with a HighLevelMount.
public final class HighLevelMounts {
    private HighLevelMounts() {
    }

    /** Never leave a mount behind: unmount through the API, then lazily with umount(8) if still mounted. */
    public static void unmountForSure(HighLevelMount mount, Path dir) throws Exception {
        MountTable.unmountForSure(mount == null ? null : () -> {
            mount.unmount();
            assertTrue(!mount.isMounted(), "the loop ended");
        }, dir);
    }

    /** {@code mount} as the core's shared mount suites drive it. */
    public static ServingMounter.Served served(HighLevelMount mount, Path dir) {
        return ServingMounter.served(mount::awaitExit, () -> unmountForSure(mount, dir));
    }
}
