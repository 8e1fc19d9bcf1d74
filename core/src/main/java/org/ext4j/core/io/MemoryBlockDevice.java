package org.ext4j.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

/** A {@link BlockDevice} held in memory; used by tests and for small scratch filesystems. */
public final class MemoryBlockDevice implements BlockDevice {
    private final byte[] data;
    private final boolean readOnly;

    public MemoryBlockDevice(byte[] data, boolean readOnly) {
        this.data = data;
        this.readOnly = readOnly;
    }

    /** A copy of the current contents. */
    public synchronized byte[] toByteArray() {
        return Arrays.copyOf(data, data.length);
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public synchronized void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        check(offset, len);
        System.arraycopy(data, (int) offset, dst, dstOff, len);
    }

    @Override
    public synchronized void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (readOnly) {
            throw new IOException("device is open read-only");
        }
        check(offset, len);
        System.arraycopy(src, srcOff, data, (int) offset, len);
    }

    private void check(long offset, int len) throws EOFException {
        if (offset < 0 || len < 0 || offset > data.length - (long) len) {
            throw new EOFException("access of " + len + " bytes at " + offset + " is outside the device (" + data.length + " bytes)");
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void close() {
    }
}
