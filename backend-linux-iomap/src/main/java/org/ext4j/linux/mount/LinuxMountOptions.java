package org.ext4j.linux.mount;

import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.backend.MountOptions;

/**
 * The options of a Linux FUSE mount: the shared vocabulary ({@link MountOptions}) and what only
 * this backend has.
 *
 * @param common        the options every backend takes (uid=, commit=, noatime, ...)
 * @param readerThreads threads reading requests, each on its own cloned /dev/fuse fd; the first
 *                      serves alone while it keeps up, the others join when it does not
 *                      ({@code FuseSession})
 * @param blockDevice   the block device being served, mounted as {@code fuseblk} (the kernel then
 *                      claims the device and waits for the server at unmount); null for an image file
 * @param blockSize     the {@code blksize=} of a fuseblk mount (ignored without a block device)
 * @param extraOptions  further mount data options passed verbatim (the escape hatch)
 */
public record LinuxMountOptions(MountOptions common, int readerThreads, Path blockDevice, int blockSize,
        List<String> extraOptions) {

    /** Reader threads of a mount unless told otherwise. */
    public static final int DEFAULT_READER_THREADS = 2;

    public LinuxMountOptions {
        if (common == null) {
            throw new IllegalArgumentException("the common options are required");
        }
        if (readerThreads < 1) {
            throw new IllegalArgumentException("readerThreads must be at least 1: " + readerThreads);
        }
        extraOptions = List.copyOf(extraOptions);
        for (String o : extraOptions) {
            if (o.contains(",")) {
                throw new IllegalArgumentException("one option per entry, without commas: " + o);
            }
        }
        if (blockDevice != null && (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException("blksize must be a power of two from 512 to 65536: " + blockSize);
        }
    }

    /** {@code common} for an image file, with the default reader threads and nothing extra. */
    public static LinuxMountOptions of(MountOptions common) {
        return new LinuxMountOptions(common, DEFAULT_READER_THREADS, null, 0, List.of());
    }

    /** These options with other common ones (a remount changes ro/rw). */
    public LinuxMountOptions withCommon(MountOptions next) {
        return new LinuxMountOptions(next, readerThreads, blockDevice, blockSize, extraOptions);
    }

    public LinuxMountOptions withReaderThreads(int n) {
        return new LinuxMountOptions(common, n, blockDevice, blockSize, extraOptions);
    }

    /** Serve {@code device} as a fuseblk mount with {@code blksize} (null: an image file, plain fuse). */
    public LinuxMountOptions withBlockDevice(Path device, int blksize) {
        return new LinuxMountOptions(common, readerThreads, device, blksize, extraOptions);
    }

    /** Whether the mount is read-only (the most asked of the common options). */
    public boolean readOnly() {
        return common.readOnly();
    }
}
