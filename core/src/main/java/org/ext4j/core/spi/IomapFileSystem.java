package org.ext4j.core.spi;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a backend needs when the kernel does the file data I/O itself against the block device
 * (FUSE iomap) and asks the filesystem only where the bytes go: blocks allocated for a write,
 * the completion of a device write, and the limits the kernel enforces on its own.
 */
public interface IomapFileSystem extends WritableFileSystem {

    /**
     * The filesystem limits the kernel applies without asking (iomap's configuration).
     *
     * @param blockSize      filesystem block size in bytes
     * @param maxBytes       the largest i_size a block-mapped (extent) file may reach
     * @param maxLinks       the most hard links an inode may have
     * @param timeGranularityNanos the finest timestamp step stored (1 with nanosecond fields)
     * @param timeMin        the earliest storable time, seconds since the epoch
     * @param timeMax        the latest storable time, seconds since the epoch
     * @param uuid           the filesystem UUID (16 bytes)
     */
    record Limits(int blockSize, long maxBytes, int maxLinks, int timeGranularityNanos, long timeMin, long timeMax,
            byte[] uuid) {
    }

    /** This filesystem itself: it maps blocks for writes. */
    @Override
    default Optional<IomapFileSystem> iomap() {
        return Optional.of(this);
    }

    /** The limits of this filesystem. */
    Limits limits();

    /**
     * The image file or block device the filesystem lives on, for a kernel that writes file data
     * to it directly; empty when the filesystem has no such path (in memory).
     */
    Optional<Path> devicePath();

    /**
     * Where a write of {@code count} bytes at {@code pos} of regular file {@code ino} goes: the
     * block-aligned run that holds byte {@code pos}, clipped to the blocks the write touches.
     * Written blocks come back {@link MappedExtent.Kind#MAPPED} (overwritten in place), unwritten
     * ones {@link MappedExtent.Kind#UNWRITTEN}, and a hole is allocated as unwritten extents, so
     * the new data becomes visible only at {@link #ioend} after the device holds it (a crash in
     * between never shows stale blocks). With {@code fileWrite} (the write(2) itself, not the
     * later writeback of cached pages) mtime and ctime move and setuid/setgid and file
     * capabilities are dropped as for {@link #write}.
     *
     * @throws Ext4Exception EINVAL for a bad range or an inode that is not a regular file,
     *                       EPERM for an immutable inode, EOPNOTSUPP for an inline or
     *                       indirect-mapped file (served in process), EFBIG past the maximum
     *                       file size, ENOSPC
     */
    MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite);

    /**
     * The device write of {@code written} bytes at {@code pos} of file {@code ino} completed:
     * the unwritten blocks it covered become written and, with {@code extendSize}, i_size grows
     * to {@code pos + written} when that is past it.
     *
     * @return the file size afterwards
     */
    long ioend(long ino, long pos, long written, boolean extendSize);
}
