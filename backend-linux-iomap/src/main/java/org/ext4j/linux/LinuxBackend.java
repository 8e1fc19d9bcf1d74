package org.ext4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.linux.mount.FuseMount;
import org.ext4j.linux.mount.ImageLock;
import org.ext4j.linux.mount.MountOptions;

/** The Linux backend as the {@code ext4j} command sees it: is it usable here, and mount. */
public final class LinuxBackend {
    /** The largest fuseblk blksize: sb_set_blocksize refuses blocks larger than a page (4 KiB on x86). */
    static final int PAGE_SIZE = 4096;

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
            return "/dev/fuse is not readable and writable by this user (fusermount3 opens it as the user too; "
                    + "distributions make it crw-rw-rw-: chmod 0666 /dev/fuse)";
        }
        if (!isRoot() && findOnPath("fusermount3") == null) {
            return "mounting as a normal user needs fusermount3, which is not on PATH (install the fuse3 package)";
        }
        return null;
    }

    /** True when this process runs with effective uid 0 (it then mounts with mount(2) itself). */
    public static boolean isRoot() {
        return jnr.posix.POSIXFactory.getNativePOSIX().geteuid() == 0;
    }

    private static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Opens the ext4 image or block device at {@code image} (read-write unless the options say
     * read-only, with the options' commit interval) and mounts it on {@code mountpoint}: a block
     * device as {@code fuseblk} when root. A read-write mount locks the image first
     * ({@link ImageLock}), so a second writer is refused before anything is written. The returned
     * mount owns the opened volume and the lock.
     *
     * @throws IOException also when a read-write mount is asked of a filesystem that comes up
     *                     read-only (a feature ext4j does not write): mount it read-only
     */
    public static FuseMount mount(Path image, Path mountpoint, MountOptions options) throws IOException {
        ImageLock lock = options.readOnly() ? null : ImageLock.acquire(image);
        try {
            MountOptions served = options;
            Ext4Volume volume = Ext4Volume.open(image, options.openOptions());
            try {
                if (ImageLock.isBlockDevice(image)) {
                    served = asBlockDevice(options, image, volume);
                }
                return FuseMount.mount(volume, mountpoint, served, lock);
            } catch (IOException | RuntimeException e) {
                volume.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /**
     * {@code options} for serving block device {@code device} as fuseblk: the filesystem's block
     * size as blksize, capped at the page size the kernel's sb_set_blocksize accepts.
     */
    public static MountOptions asBlockDevice(MountOptions options, Path device, InodeFileSystem fs) {
        return options.withBlockDevice(device, Math.min(fs.statfs().blockSize(), PAGE_SIZE));
    }

    /**
     * Mounts an already opened filesystem; the mount takes ownership of it and of {@code lock}
     * (may be null), which must be held on the image when the filesystem was opened read-write.
     */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, MountOptions options, ImageLock lock)
            throws IOException {
        return FuseMount.mount(fs, mountpoint, options, lock);
    }

    /** Mounts an already opened filesystem; the mount takes ownership of it. */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, MountOptions options) throws IOException {
        return FuseMount.mount(fs, mountpoint, options);
    }
}
