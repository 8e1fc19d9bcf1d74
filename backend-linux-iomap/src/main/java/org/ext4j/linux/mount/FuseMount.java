package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptionParser;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.fs.AtimeMode;
import org.ext4j.core.host.DevT;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.IomapFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.linux.dispatch.DispatchOptions;
import org.ext4j.linux.dispatch.FuseDispatcher;
import org.ext4j.linux.iomap.IomapBlockDevice;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.FuseSession;
import org.ext4j.linux.session.FuseTransport;
import org.ext4j.linux.session.Libc;

/**
 * A filesystem mounted through FUSE: created by {@link #mount}, ended by {@link #unmount()} (or
 * by {@code umount} from outside, or by SIGINT/SIGTERM through a shutdown hook). The mount owns
 * the {@link InodeFileSystem} it serves and, once the kernel has let go, makes what was written
 * durable (syncfs) and closes it. A plain {@code fuse} mount's umount(2) does not wait for the
 * server: the image is complete only when {@link #waitUntilUnmounted()} or {@link #unmount()}
 * has returned (or the serving process has exited). A block device served as {@code fuseblk}
 * differs: the kernel claims the device and its umount waits for the server's answer to DESTROY
 * (which syncs), as for a kernel filesystem.
 *
 * <p>As root the mount is made with mount(2); a normal user mounts through {@link Fusermount}
 * (fusermount3), and unmounting then goes through fusermount3 too.
 */
public final class FuseMount implements MountHandle {
    /** mount(2) flags. */
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_REMOUNT = 32;
    static final long MS_STRICTATIME = 1L << 24;
    /** umount2(2) flag: detach now, finish when the last user leaves. */
    static final int MNT_DETACH = 2;

    private static final long INIT_TIMEOUT_SECONDS = 10;
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final InodeFileSystem fs;
    private final Path mountpoint;
    private final FuseSession session;
    /** Mounted by fusermount3 (not root): unmounting goes through it too. */
    private final boolean viaFusermount;
    private final ImageLock lock;
    private final Thread shutdownHook;
    /** The options in force: a remount changes ro/rw. */
    private LinuxMountOptions options;
    /** Where remount requests arrive (root mounts only; null otherwise or when it could not listen). */
    private RemountControl remountControl;
    private boolean unmountRequested;
    private boolean closed;
    /** The transport in use once the mount is usable. */
    private FuseTransport transport = FuseTransport.DEV_FUSE;

    private FuseMount(InodeFileSystem fs, Path mountpoint, FuseSession session, boolean viaFusermount,
            ImageLock lock, LinuxMountOptions options) {
        this.fs = fs;
        this.options = options;
        this.mountpoint = mountpoint;
        this.session = session;
        this.viaFusermount = viaFusermount;
        this.lock = lock;
        this.shutdownHook = new Thread(this::unmountAtExit, "ext4j-unmount " + mountpoint);
    }

    /**
     * Mounts {@code fs} on {@code mountpoint} and returns once the kernel finished INIT, so the
     * mount is usable. On failure nothing stays mounted and {@code fs} is left open for the caller.
     *
     * @throws IOException with a message that says what to do: a missing, non-empty or busy
     *                     mount point, no /dev/fuse, fusermount3 refusing, or a read-write mount
     *                     of a filesystem that takes no writes
     */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, MountOptions options) throws IOException {
        return mount(fs, mountpoint, LinuxMountOptions.of(options), null);
    }

    /**
     * Like {@link #mount(InodeFileSystem, Path, MountOptions)}, and the mount also owns
     * {@code lock} (may be null): it is released after the filesystem is closed, and for a
     * fuseblk mount its device claim is handed to the kernel just before mount(2).
     */
    public static FuseMount mount(InodeFileSystem fs, Path mountpoint, LinuxMountOptions options, ImageLock lock)
            throws IOException {
        if (!options.readOnly() && fs.isReadOnly()) {
            throw new IOException("cannot mount read-write: the filesystem is read-only (" + fs.readOnlyReason()
                    + "); mount it read-only");
        }
        Path target = MountPointCheck.check(mountpoint, options.common().allowNonEmpty());
        POSIX posix = POSIXFactory.getNativePOSIX();
        boolean asRoot = posix.geteuid() == 0;
        FuseDevice device;
        if (asRoot) {
            device = FuseDevice.open();
            boolean fuseblk = options.blockDevice() != null;
            if (fuseblk && lock != null) {
                java.util.Optional<LinuxImageClaim> claim = lock.claim(LinuxImageClaim.class);
                if (claim.isPresent()) {
                    claim.get().yieldToKernel();
                }
            }
            String data = mountData(device.fd(), options, posix.getuid(), posix.getgid());
            String source = fuseblk ? options.blockDevice().toString() : options.common().fsName();
            if (Libc.get().mount(source, target.toString(), fuseblk ? "fuseblk.ext4j" : "fuse.ext4j",
                    mountFlags(options.common()), data) != 0) {
                int errno = Libc.errno();
                device.close();
                throw new IOException("mount(2) of " + source + " on " + target + " failed: "
                        + FuseDevice.describe(errno) + (errno == Libc.EBUSY && fuseblk
                                ? " (the device is claimed by another mount or program)" : ""));
            }
        } else {
            device = Fusermount.mount(target, fusermountOptions(options));
        }
        FuseTransport wanted = transport(options.common());
        FuseDispatcher dispatcher = new FuseDispatcher(OwnerOverride.apply(fs, options.common()), DispatchOptions.DEFAULT);
        offerIomap(dispatcher, fs, device);
        dispatcher.forgetInBackground();
        FuseSession session;
        try {
            session = FuseSession.start(device, dispatcher, options.readerThreads(), "ext4j", wanted);
        } catch (IOException | RuntimeException e) {
            forceDetach(target, !asRoot);
            device.close();
            throw e;
        }
        FuseMount mount = new FuseMount(fs, target, session, !asRoot, lock, options);
        try {
            if (!dispatcher.awaitInit(INIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the kernel did not complete FUSE INIT within " + INIT_TIMEOUT_SECONDS + " s");
            }
            if (wanted != FuseTransport.DEV_FUSE) {
                mount.transport = session.awaitTransport(INIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (wanted == FuseTransport.IO_URING && mount.transport != FuseTransport.IO_URING) {
                throw new IOException("io_uring=on, but the kernel did not take FUSE over io_uring (it needs Linux"
                        + " 6.14+ with CONFIG_FUSE_IO_URING and Y in /sys/module/fuse/parameters/enable_uring)");
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
        if (asRoot) {
            widenReadahead(target);
            try {
                mount.remountControl = RemountControl.listen(mount, System.err);
            } catch (IOException | RuntimeException e) {
                System.err.println("ext4j: mount -o remount will not reach this server: " + e.getMessage());
            }
        }
        return mount;
    }

    /**
     * {@code mount -o remount,...}: applies {@code requested} (mount(8)'s option list) to the
     * options in force, of which only ro and rw may change. Read-only: the kernel's side first
     * (mount(2) with MS_REMOUNT, which refuses with EBUSY while files are open for writing), then
     * the filesystem writes out and checkpoints everything committed and refuses changes, so that
     * the image is complete while it stays mounted. Read-write: the filesystem first, then the
     * kernel (and back to read-only if the kernel refuses).
     *
     * @throws IOException naming the option or the reason the remount was refused
     */
    public synchronized void remount(List<String> requested) throws IOException {
        LinuxMountOptions next;
        try {
            next = options.withCommon(MountOptionParser.parseRemount(options.common(), requested));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (viaFusermount) {
            throw new IOException("a mount made through fusermount3 cannot be remounted");
        }
        if (next.readOnly() == options.readOnly()) {
            options = next;
            return;
        }
        if (next.readOnly()) {
            remountKernel(next);
            try {
                fs.remount(true);
            } catch (RuntimeException e) {
                throw new IOException("remounted read-only, but writing out what was committed failed: "
                        + e.getMessage(), e);
            }
        } else {
            try {
                fs.remount(false);
            } catch (RuntimeException e) {
                throw new IOException(e.getMessage(), e);
            }
            try {
                remountKernel(next);
            } catch (IOException e) {
                fs.remount(true);
                throw e;
            }
        }
        options = next;
    }

    /** mount(2) with MS_REMOUNT and the flags of {@code next}; the kernel ignores FUSE data on a remount. */
    private void remountKernel(LinuxMountOptions next) throws IOException {
        if (Libc.get().mount(options.common().fsName(), mountpoint.toString(), null,
                MS_REMOUNT | mountFlags(next.common()), null) != 0) {
            int errno = Libc.errno();
            throw new IOException("mount(2) remount of " + mountpoint + " failed: " + FuseDevice.describe(errno)
                    + (errno == Libc.EBUSY ? " (files are open for writing)" : ""));
        }
    }

    /** The options in force (after any remount). */
    public synchronized LinuxMountOptions options() {
        return options;
    }

    /** Readahead asked of the mount's backing device info: one maximal FUSE read (max_pages 256). */
    static final int READAHEAD_KB = 1024;

    /**
     * Raises the kernel's readahead for this mount from its 128 KiB default to one full-sized
     * FUSE read, so that a sequential reader costs one request per MiB instead of eight. The
     * kernel takes it only from sysfs (INIT's max_readahead can only lower it); root may write
     * it. A failure costs speed, not correctness, and is only reported.
     */
    private static void widenReadahead(Path target) {
        try {
            long dev = (Long) Files.getAttribute(target, "unix:dev");
            Path knob = Path.of("/sys/class/bdi/" + DevT.LINUX.major(dev) + ":" + DevT.LINUX.minor(dev) + "/read_ahead_kb");
            Files.writeString(knob, Integer.toString(READAHEAD_KB));
        } catch (IOException | RuntimeException e) {
            System.err.println("ext4j: could not raise readahead on " + target + " (reads stay at 128 KiB): " + e);
        }
    }

    /**
     * Lets INIT offer FUSE_IOMAP when the filesystem lives on a file or device the kernel could
     * do the data I/O on; a kernel without the iomap series never accepts, and then nothing of
     * it is touched.
     */
    private static void offerIomap(FuseDispatcher dispatcher, InodeFileSystem fs, FuseDevice device) {
        IomapFileSystem volume = fs.iomap().orElse(null);
        if (volume != null && volume.devicePath().isPresent()) {
            dispatcher.offerIomap(new IomapBlockDevice(device, volume.devicePath().get(), fs.isReadOnly(),
                    volume.limits().blockSize(), System.err));
        }
    }

    /** The mount(2) flags for {@code options}: always nosuid and nodev, as fusermount3 forces too. */
    static long mountFlags(MountOptions options) {
        long flags = MS_NOSUID | MS_NODEV;
        if (options.readOnly()) {
            flags |= MS_RDONLY;
        }
        if (options.noExec()) {
            flags |= MS_NOEXEC;
        }
        if (options.atime() == AtimeMode.NOATIME) {
            flags |= MS_NOATIME;
        } else if (options.atime() == AtimeMode.STRICTATIME) {
            flags |= MS_STRICTATIME;
        }
        if (options.noDirAtime()) {
            flags |= MS_NODIRATIME;
        }
        return flags;
    }

    /** The data string of mount(2) for a FUSE filesystem (fuseblk adds its block size). */
    static String mountData(int fd, LinuxMountOptions options, long uid, long gid) {
        List<String> o = new ArrayList<>();
        o.add("fd=" + fd);
        o.add("rootmode=40000");
        o.add("user_id=" + uid);
        o.add("group_id=" + gid);
        // The kernel checks permissions from the attributes we return, with the caller's full groups.
        o.add("default_permissions");
        if (options.common().allowOther()) {
            o.add("allow_other");
        }
        if (options.blockDevice() != null) {
            o.add("blksize=" + options.blockSize());
        }
        o.addAll(options.extraOptions());
        return String.join(",", o);
    }

    /**
     * "read-write" or "read-only" as mounted now, with "fuseblk" for a block device, "iomap" when
     * the kernel does the file data I/O, "through fusermount3" for a normal user's mount.
     */
    @Override
    public synchronized String describe() {
        StringBuilder d = new StringBuilder(options.readOnly() ? "read-only" : "read-write");
        if (options.blockDevice() != null) {
            d.append(", fuseblk");
        }
        if (iomapGranted()) {
            d.append(", iomap");
        }
        if (viaFusermount) {
            d.append(", through fusermount3");
        }
        return d.toString();
    }

    /** True when the kernel accepted FUSE_IOMAP at INIT and does the file data I/O itself. */
    public boolean iomapGranted() {
        return session.dispatcher().iomapGranted();
    }

    /**
     * The transport {@code io_uring=} asks for; without the option, the {@code ext4j.io_uring}
     * system property's (auto when that is not set either).
     */
    static FuseTransport transport(MountOptions common) {
        if (common.ioUring() == null) {
            return FuseTransport.fromSystemProperty();
        }
        return switch (common.ioUring()) {
            case AUTO -> FuseTransport.AUTO;
            case OFF -> FuseTransport.DEV_FUSE;
            case ON -> FuseTransport.IO_URING;
        };
    }

    /** How requests reach this server: FUSE over io_uring or /dev/fuse alone. */
    public FuseTransport transport() {
        return transport;
    }

    /** Requests served through FUSE over io_uring so far (0 on /dev/fuse). */
    public long ringRequests() {
        return session.ringRequests();
    }

    /**
     * What fusermount3 gets after -o: the generic flags by name, the FUSE options, the source
     * name and subtype (fusermount3 adds fd=, rootmode=, user_id= and group_id= itself). A block
     * device is served as plain fuse: fusermount3 allows blkdev to root only.
     */
    static List<String> fusermountOptions(LinuxMountOptions linux) {
        MountOptions options = linux.common();
        List<String> o = new ArrayList<>();
        o.add(options.readOnly() ? "ro" : "rw");
        o.add("nosuid");
        o.add("nodev");
        if (options.noExec()) {
            o.add("noexec");
        }
        // fusermount3 (3.14) knows noatime but not relatime, strictatime or nodiratime; the kernel
        // does no atime updates of its own on a FUSE mount (the server does them), so the flag
        // only shows in /proc/mounts.
        if (options.atime() == AtimeMode.NOATIME) {
            o.add("noatime");
        }
        o.add("default_permissions");
        if (options.allowOther()) {
            o.add("allow_other");
        }
        o.add("fsname=" + options.fsName());
        o.add("subtype=ext4j");
        o.addAll(linux.extraOptions());
        return o;
    }

    /** Where it is mounted (canonical path). */
    @Override
    public Path mountpoint() {
        return mountpoint;
    }

    /** True while the kernel connection is served. */
    @Override
    public boolean isMounted() {
        return session.isRunning();
    }

    /**
     * Blocks until the filesystem is unmounted (by {@link #unmount()}, {@code umount}, or a
     * signal), then closes the filesystem.
     */
    @Override
    public void waitUntilUnmounted() throws InterruptedException, IOException {
        session.awaitTermination();
        close();
    }

    /**
     * Unmounts: a normal unmount first; when the mount is busy, a lazy one (detached now,
     * finished when its last user leaves). Then waits for the readers to stop and closes the
     * filesystem.
     */
    @Override
    public synchronized void unmount() throws IOException {
        if (!unmountRequested && session.isRunning()) {
            unmountRequested = true;
            if (viaFusermount) {
                unmountWithFusermount();
            } else if (Libc.get().umount2(mountpoint.toString(), 0) != 0) {
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

    /** fusermount3 -u, and -u -z when that fails while the mount is still there (busy). */
    private void unmountWithFusermount() throws IOException {
        try {
            Fusermount.unmount(mountpoint, false);
        } catch (IOException busy) {
            if (!MountPointCheck.isMountPoint(mountpoint)) {
                return;
            }
            try {
                Fusermount.unmount(mountpoint, true);
            } catch (IOException e) {
                e.addSuppressed(busy);
                throw new IOException("unmounting " + mountpoint + " with fusermount3 failed: " + e.getMessage(), e);
            }
        }
    }

    private static boolean detach(Path target) {
        return Libc.get().umount2(target.toString(), MNT_DETACH) == 0;
    }

    /** Detaches a mount that failed half way, by whichever way it was made. */
    private static void forceDetach(Path target, boolean viaFusermount) {
        if (!viaFusermount) {
            detach(target);
            return;
        }
        try {
            Fusermount.unmount(target, true);
        } catch (IOException e) {
            System.err.println("ext4j: detaching " + target + " after a failed mount: " + e.getMessage());
        }
    }

    /** Gives up on a mount that never became usable. */
    private void abandon() {
        forceDetach(mountpoint, viaFusermount);
        try {
            session.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        session.dispatcher().closeIomap();
        session.close();
        try {
            session.dispatcher().closeForgets();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        if (!fs.isReadOnly()) {
            fs.writable().ifPresent(WritableFileSystem::syncfs);
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
        if (remountControl != null) {
            remountControl.close();
        }
        session.dispatcher().closeIomap();
        session.close();
        try {
            session.dispatcher().closeForgets();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down (this may be the hook itself): nothing to remove.
        }
        try {
            try {
                sync();
            } catch (RuntimeException e) {
                fs.close();
                throw new IOException("flushing " + mountpoint + " before closing failed: " + e.getMessage(), e);
            }
            fs.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }
}
