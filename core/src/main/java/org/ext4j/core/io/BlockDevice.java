package org.ext4j.core.io;

import java.io.Closeable;
import java.io.IOException;

/**
 * A byte-addressed store that holds a filesystem: an image file, a block device, memory, or an
 * overlay of any of these. Offsets are absolute bytes from the start of the device; no block size
 * is imposed here. Implementations must be safe for concurrent reads.
 */
public interface BlockDevice extends Closeable {

    /** Size of the device in bytes. */
    long size();

    /** Reads exactly {@code len} bytes at {@code offset}; reading past the end is an error. */
    void read(long offset, byte[] dst, int dstOff, int len) throws IOException;

    /** Writes exactly {@code len} bytes at {@code offset}. */
    void write(long offset, byte[] src, int srcOff, int len) throws IOException;

    /** Makes every completed write durable (fdatasync on a file). */
    void flush() throws IOException;

    /** True when {@link #write} always fails. */
    boolean isReadOnly();

    /** Convenience: a fresh array with {@code len} bytes read at {@code offset}. */
    default byte[] read(long offset, int len) throws IOException {
        byte[] b = new byte[len];
        read(offset, b, 0, len);
        return b;
    }
}
