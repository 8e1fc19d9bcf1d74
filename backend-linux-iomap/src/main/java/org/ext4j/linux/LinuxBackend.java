package org.ext4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.linux.mount.FuseMount;
import org.ext4j.linux.mount.MountOptions;

/** The Linux backend as the {@code ext4j} command sees it: is it usable here, and mount. */
public final class LinuxBackend {
    private LinuxBackend() {
    }

    /** True on Linux with a /dev/fuse this process may read and write. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why {@link #isAvailable()} is false, or null when it is true. */
    public static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            return "not Linux (os.name is " + System.getProperty("os.name") + ")";
        }
        Path dev = Path.of("/dev/fuse");
        if (!Files.exists(dev)) {
            return "/dev/fuse does not exist (load the fuse module: modprobe fuse)";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return "/dev/fuse is not readable and writable by this user";
        }
        return null;
    }

    /**
     * Opens the ext4 image or block device at {@code image} (read-write unless the options say
     * read-only) and mounts it on {@code mountpoint}. The returned mount owns the opened volume.
     *
     * @throws IOException also when a read-write mount is asked of a filesystem that comes up
     *                     read-only (a feature ext4j does not write): mount it read-only
     */
    public static FuseMount mount(Path image, Path mountpoint, MountOptions options) throws IOException {
        Ext4Volume volume = Ext4Volume.open(image, options.readOnly() ? OpenOptions.READ_ONLY : OpenOptions.READ_WRITE);
        try {
            return FuseMount.mount(volume, mountpoint, options);
        } catch (IOException | RuntimeException e) {
            volume.close();
            throw e;
        }
    }

    /** Mounts an already opened filesystem; the mount takes ownership of it. */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, MountOptions options) throws IOException {
        return FuseMount.mount(fs, mountpoint, options);
    }
}
