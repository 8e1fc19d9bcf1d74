package org.ext4j.core.io;

import java.io.IOException;

/**
 * A {@link BlockDevice} that passes every call to another one: the base of decorators that
 * observe or alter some calls (counting reads, recording writes and flushes for crash tests,
 * injecting failures) and override only those.
 */
public abstract class ForwardingBlockDevice implements BlockDevice {
    private final BlockDevice inner;

    protected ForwardingBlockDevice(BlockDevice inner) {
        this.inner = inner;
    }

    /** The device calls are passed to. */
    protected final BlockDevice inner() {
        return inner;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        inner.read(offset, dst, dstOff, len);
    }

    @Override
    public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        inner.write(offset, src, srcOff, len);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public boolean isReadOnly() {
        return inner.isReadOnly();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
