package org.ext4j.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A {@link BlockDevice} over an image file or a block device node, through a {@link FileChannel}. */
public final class FileBlockDevice implements BlockDevice {
    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;

    private FileBlockDevice(Path path, FileChannel channel, boolean readOnly, long size) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.size = size;
    }

    /** Opens {@code path}; a block device's size is found by seeking to its end. */
    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (size == 0) {
                // Block devices report 0 through size(); their end is found by positioning.
                size = ch.position(Long.MAX_VALUE).size();
                if (size == 0) {
                    size = java.nio.file.Files.size(path);
                }
            }
            return new FileBlockDevice(path, ch, readOnly, size);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The image file or device node this was opened from (a kernel that does the data I/O itself needs it). */
    public Path path() {
        return path;
    }

    /** The channel, for locking and forcing by callers that own the device. */
    public FileChannel channel() {
        return channel;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new EOFException("read of " + len + " bytes at " + offset + " is outside the device (" + size + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(dst, dstOff, len);
        long pos = offset;
        while (bb.hasRemaining()) {
            int n = channel.read(bb, pos);
            if (n < 0) {
                throw new EOFException("unexpected end of device at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (readOnly) {
            throw new IOException("device is open read-only");
        }
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new EOFException("write of " + len + " bytes at " + offset + " is outside the device (" + size + " bytes)");
        }
        ByteBuffer bb = ByteBuffer.wrap(src, srcOff, len);
        long pos = offset;
        while (bb.hasRemaining()) {
            pos += channel.write(bb, pos);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
