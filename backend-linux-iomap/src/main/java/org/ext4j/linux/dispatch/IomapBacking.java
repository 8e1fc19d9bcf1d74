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

    /**
     * True when the kernel's FUSE device says it does iomap file I/O (the IOMAP_SUPPORT ioctl
     * reports FILEIO). Asked before INIT grants FUSE_IOMAP: the flag's bit means something else
     * in mainline protocols, so the offer alone is not enough.
     */
    boolean kernelSupportsFileIo();

    /** Unregisters the device and releases what {@link #register()} attached. */
    @Override
    void close();
}
