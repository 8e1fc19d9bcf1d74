package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.IomapFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.linux.dispatch.DispatchOptions;
import org.ext4j.linux.dispatch.FuseDispatcher;
import org.ext4j.linux.iomap.IomapBlockDevice;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.FuseSession;
import org.ext4j.linux.session.Libc;

/**
 * A filesystem mounted through FUSE: created by {@link #mount}, ended by {@link #unmount()} (or
 * by {@code umount} from outside, or by SIGINT/SIGTERM through a shutdown hook). The mount owns
 * the {@link InodeFileSystem} it serves and, once the kernel has let go, makes what was written
 * durable (syncfs) and closes it. A plain {@code fuse} mount's umount(2) does not wait for the
 * server: the image is complete only when {@link #waitUntilUnmounted()} or {@link #unmount()}
 * has returned (or the serving process has exited).
 */
public final class FuseMount implements AutoCloseable {
    /** mount(2) flags. */
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    /** umount2(2) flag: detach now, finish when the last user leaves. */
    static final int MNT_DETACH = 2;

    private static final long INIT_TIMEOUT_SECONDS = 10;
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final InodeFileSystem fs;
    private final Path mountpoint;
    private final FuseSession session;
    private final Thread shutdownHook;
    private boolean unmountRequested;
    private boolean closed;

    private FuseMount(InodeFileSystem fs, Path mountpoint, FuseSession session) {
        this.fs = fs;
        this.mountpoint = mountpoint;
        this.session = session;
        this.shutdownHook = new Thread(this::unmountAtExit, "ext4j-unmount " + mountpoint);
    }

    /**
     * Mounts {@code fs} on {@code mountpoint} and returns once the kernel finished INIT, so the
     * mount is usable. On failure nothing stays mounted and {@code fs} is left open for the caller.
     *
     * @throws IOException with a message that says what to do: a missing, non-empty or busy
     *                     mount point, no /dev/fuse, a normal user (fusermount3 is not implemented
     *                     yet), or a read-write mount of a filesystem that takes no writes
     */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, MountOptions options) throws IOException {
        if (!options.readOnly() && fs.isReadOnly()) {
            throw new IOException("cannot mount read-write: the filesystem is read-only (" + fs.readOnlyReason()
                    + "); mount it read-only");
        }
        Path target = MountPointCheck.check(mountpoint, options.allowNonEmpty());
        POSIX posix = POSIXFactory.getNativePOSIX();
        if (posix.geteuid() != 0) {
            throw new IOException("mounting as a normal user needs fusermount3 (not implemented yet); run as root");
        }
        FuseDevice device = FuseDevice.open();
        String data = mountData(device.fd(), options, posix.getuid(), posix.getgid());
        long flags = MS_NOSUID | MS_NODEV | (options.readOnly() ? MS_RDONLY : 0);
        if (Libc.get().mount(options.fsName(), target.toString(), "fuse.ext4j", flags, data) != 0) {
            int errno = Libc.errno();
            device.close();
            throw new IOException("mount(2) of " + options.fsName() + " on " + target + " failed: "
                    + FuseDevice.describe(errno));
        }
        FuseDispatcher dispatcher = new FuseDispatcher(fs, DispatchOptions.DEFAULT);
        offerIomap(dispatcher, fs, device);
        FuseSession session;
        try {
            session = FuseSession.start(device, dispatcher, options.readerThreads(), "ext4j");
        } catch (IOException | RuntimeException e) {
            detach(target);
            device.close();
            throw e;
        }
        FuseMount mount = new FuseMount(fs, target, session);
        try {
            if (!dispatcher.awaitInit(INIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the kernel did not complete FUSE INIT within " + INIT_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            mount.abandon();
            throw new IOException("interrupted while waiting for FUSE INIT", e);
        } catch (IOException e) {
            mount.abandon();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(mount.shutdownHook);
        return mount;
    }

    /**
     * Lets INIT offer FUSE_IOMAP when the filesystem lives on a file or device the kernel could
     * do the data I/O on; a kernel without the iomap series never accepts, and then nothing of
     * it is touched.
     */
    private static void offerIomap(FuseDispatcher dispatcher, InodeFileSystem fs, FuseDevice device) {
        if (fs instanceof IomapFileSystem volume && volume.devicePath().isPresent()) {
            dispatcher.offerIomap(new IomapBlockDevice(device, volume.devicePath().get(), fs.isReadOnly(),
                    volume.limits().blockSize(), System.err));
        }
    }

    /** The data string of mount(2) for a FUSE filesystem. */
    static String mountData(int fd, MountOptions options, long uid, long gid) {
        List<String> o = new ArrayList<>();
        o.add("fd=" + fd);
        o.add("rootmode=40000");
        o.add("user_id=" + uid);
        o.add("group_id=" + gid);
        // The kernel checks permissions from the attributes we return, with the caller's full groups.
        o.add("default_permissions");
        if (options.allowOther()) {
            o.add("allow_other");
        }
        o.addAll(options.extraOptions());
        return String.join(",", o);
    }

    /** True when the kernel accepted FUSE_IOMAP at INIT and does the file data I/O itself. */
    public boolean iomapGranted() {
        return session.dispatcher().iomapGranted();
    }

    /** Where it is mounted (canonical path). */
    public Path mountpoint() {
        return mountpoint;
    }

    /** True while the kernel connection is served. */
    public boolean isMounted() {
        return session.isRunning();
    }

    /**
     * Blocks until the filesystem is unmounted (by {@link #unmount()}, {@code umount}, or a
     * signal), then closes the filesystem.
     */
    public void waitUntilUnmounted() throws InterruptedException, IOException {
        session.awaitTermination();
        close();
    }

    /**
     * Unmounts: a normal unmount first; when the mount is busy, a lazy one (detached now,
     * finished when its last user leaves). Then waits for the readers to stop and closes the
     * filesystem.
     */
    public synchronized void unmount() throws IOException {
        if (!unmountRequested && session.isRunning()) {
            unmountRequested = true;
            if (Libc.get().umount2(mountpoint.toString(), 0) != 0) {
                int errno = Libc.errno();
                if (errno != Libc.EBUSY || !detach(mountpoint)) {
                    if (errno != Libc.EINVAL) {
                        throw new IOException("unmounting " + mountpoint + " failed: " + FuseDevice.describe(errno));
                    }
                    // EINVAL: no longer a mount point (unmounted from outside); the readers stop by themselves.
                }
            }
        }
        try {
            if (!session.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                // Detached but still in use: the connection ends when the last user leaves.
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + mountpoint, e);
        }
        close();
    }

    private static boolean detach(Path target) {
        return Libc.get().umount2(target.toString(), MNT_DETACH) == 0;
    }

    /** Gives up on a mount that never became usable. */
    private void abandon() {
        detach(mountpoint);
        try {
            session.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        session.dispatcher().closeIomap();
        session.close();
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
            System.err.println("ext4j: unmounting " + mountpoint + " at exit failed: " + e.getMessage());
        }
        synchronized (this) {
            if (!closed) {
                // Still in use (detached lazily): the process ends anyway, so keep what was written.
                try {
                    sync();
                } catch (RuntimeException e) {
                    System.err.println("ext4j: flushing " + mountpoint + " at exit failed: " + e.getMessage());
                }
            }
        }
    }

    /** Commits and flushes what was written (nothing for a read-only filesystem). */
    private void sync() {
        if (!fs.isReadOnly() && fs instanceof WritableFileSystem w) {
            w.syncfs();
        }
    }

    /**
     * Closes the filesystem and the device once the readers stopped. Does not unmount: use
     * {@link #unmount()} for that.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        if (session.isRunning()) {
            throw new IOException(mountpoint + " is still mounted; unmount it first");
        }
        closed = true;
        session.dispatcher().closeIomap();
        session.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down (this may be the hook itself): nothing to remove.
        }
        try {
            sync();
        } catch (RuntimeException e) {
            fs.close();
            throw new IOException("flushing " + mountpoint + " before closing failed: " + e.getMessage(), e);
        }
        fs.close();
    }
}
