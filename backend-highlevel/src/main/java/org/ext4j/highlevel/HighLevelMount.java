package org.ext4j.highlevel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.highlevel.bind.LibfuseSession;
import org.ext4j.highlevel.path.PathOperations;

/**
 * A volume mounted through libfuse3's high-level API. It ends when the kernel lets go: by
 * {@link #unmount()}, by {@code umount} or {@code fusermount3 -u} from outside, or at JVM exit
 * (SIGINT, SIGTERM: a shutdown hook unmounts). Once the loop has ended the mount lets the
 * dentry cache go, syncs and closes the volume: the journal is committed when
 * {@link #awaitExit()} or {@link #unmount()} returns. A kill -9 leaves the journal as the last
 * commit wrote it, which a later mount (or e2fsck) replays.
 */
public final class HighLevelMount implements AutoCloseable {
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final WritableFileSystem volume;
    private final PathOperations ops;
    private final LibfuseSession session;
    private final Thread shutdownHook;
    private boolean closed;

    HighLevelMount(WritableFileSystem volume, PathOperations ops, LibfuseSession session) {
        this.volume = volume;
        this.ops = ops;
        this.session = session;
        this.shutdownHook = new Thread(this::unmountAtExit, "ext4j-fuse3-unmount " + session.mountpoint());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public Path mountpoint() {
        return session.mountpoint();
    }

    /** True while the kernel connection is served. */
    public boolean isMounted() {
        return session.isRunning();
    }

    /** The libfuse session (for tests and diagnostics). */
    public LibfuseSession session() {
        return session;
    }

    /** Blocks until the mount is gone (unmounted from anywhere), then closes the volume. */
    public void awaitExit() throws InterruptedException, IOException {
        session.awaitEnd();
        close();
    }

    /**
     * Unmounts (lazily when busy), waits for the loop to end and closes the volume. When a lazy
     * unmount leaves the mount in use, returns without closing: the loop ends, and
     * {@link #awaitExit()} closes, once the last user has left.
     */
    public synchronized void unmount() throws IOException {
        session.requestUnmount(true);
        try {
            if (!session.awaitEnd(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + mountpoint(), e);
        }
        close();
    }

    private void unmountAtExit() {
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            unmount();
        } catch (IOException | RuntimeException e) {
            System.err.println("ext4j: unmounting " + mountpoint() + " at exit failed: " + e.getMessage());
        }
        synchronized (this) {
            if (!closed && !volume.isReadOnly()) {
                // Still in use (detached lazily) and the process ends anyway: keep what was written.
                try {
                    volume.syncfs();
                } catch (RuntimeException e) {
                    System.err.println("ext4j: flushing " + mountpoint() + " at exit failed: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Lets the cached names go, syncs and closes the volume once the loop has ended. Does not
     * unmount: use {@link #unmount()}.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        if (session.isRunning()) {
            throw new IOException(mountpoint() + " is still mounted; unmount it first");
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down (this may be the hook itself): nothing to remove.
        }
        try {
            ops.dentries().clear();
            if (!volume.isReadOnly()) {
                volume.syncfs();
            }
        } catch (RuntimeException e) {
            volume.close();
            throw new IOException("flushing " + mountpoint() + " before closing failed: " + e.getMessage(), e);
        }
        volume.close();
    }
}
