package org.ext4j.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

// The mount points this process sees (/proc/self/mounts), and the last-resort cleanup every mount test ends with.
public final class MountTable {
    private MountTable() {
    }

    /** Unmounts a mount through its backend's API. */
    @FunctionalInterface
    public interface Unmount {
        void run() throws Exception;
    }

    /** The /proc/self/mounts line whose mount point is {@code dir}, or null when nothing is mounted there. */
    public static String line(Path dir) throws IOException {
        // A backend may remove its mount point on unmount (WinFsp's stand-in does): then no symlink is left to resolve.
        String target = (Files.exists(dir) ? dir.toRealPath() : dir.toAbsolutePath().normalize()).toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            if (line.split(" ")[1].equals(target)) {
                return line;
            }
        }
        return null;
    }

    /** True when {@code dir} is a mount point. */
    public static boolean isMountPoint(Path dir) throws IOException {
        return line(dir) != null;
    }

    /**
     * Never leaves a mount behind: runs {@code viaApi} (when not null), then, also when that
     * failed, unmounts {@code dir} lazily with umount(8) if it is still a mount point.
     */
    public static void unmountForSure(Unmount viaApi, Path dir) throws Exception {
        try {
            if (viaApi != null) {
                viaApi.run();
            }
        } finally {
            if (isMountPoint(dir)) {
                new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
