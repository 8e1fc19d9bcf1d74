package org.ext4j.core.backend;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A live mount made by {@link Backend#mount}. It owns the {@link Volume} it serves: once the
 * kernel has let go (by {@link #unmount()}, by an unmount from outside, or at JVM exit) the
 * mount writes out what is pending and closes the filesystem and its lock. The image is complete
 * when {@link #waitUntilUnmounted()} or {@link #unmount()} has returned.
 */
public interface MountHandle extends AutoCloseable {
    /** Where it is mounted (canonical path). */
    Path mountpoint();

    /** True while the kernel connection is served. */
    boolean isMounted();

    /** How it is served, for the user: "read-write", "read-only, fuseblk", "read-write, iomap". */
    String describe();

    /**
     * Unmounts (lazily when busy), waits for the server to stop and closes the volume; when a
     * lazy unmount leaves the mount in use, returns without closing (the server ends, and
     * {@link #waitUntilUnmounted()} returns, once the last user has left).
     */
    void unmount() throws IOException;

    /** Blocks until the mount is gone, however it was unmounted, then closes the volume. */
    void waitUntilUnmounted() throws InterruptedException, IOException;

    /** Closes the volume once the mount has ended; fails while still mounted. Does not unmount. */
    @Override
    void close() throws IOException;
}
