package org.ext4j.core.spi;

/**
 * Where a range of a file lives on the device, in bytes (what iomap and FIEMAP ask for).
 *
 * @param fileOffset   byte offset in the file
 * @param length       length in bytes
 * @param deviceOffset byte offset on the device; -1 for a hole
 */
public record MappedExtent(long fileOffset, long length, long deviceOffset, Kind kind) {
    /** What the range is. */
    public enum Kind {
        /** Nothing allocated: reads as zeros. */
        HOLE,
        /** Allocated and written. */
        MAPPED,
        /** Allocated but never written: reads as zeros. */
        UNWRITTEN,
        /** Stored inside the inode (inline data): no device address. */
        INLINE
    }
}
