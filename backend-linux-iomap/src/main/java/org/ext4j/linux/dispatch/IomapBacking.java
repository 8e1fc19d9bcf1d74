package org.ext4j.linux.dispatch;

import java.io.IOException;

/**
 * The block device the kernel does iomap I/O on, registered with the FUSE connection. The
 * dispatcher registers it on first need, which is always after the INIT reply went out (the
 * kernel accepts a backing device only on an initialized connection).
 */
public interface IomapBacking extends AutoCloseable {
    /**
     * Registers the device with the connection (once; later calls return the same id).
     *
     * @return the backing id that goes into every mapping's {@code dev}
     * @throws IOException when the device cannot be attached or the kernel refuses it
     */
    int register() throws IOException;

    /** Unregisters the device and releases what {@link #register()} attached. */
    @Override
    void close();
}
