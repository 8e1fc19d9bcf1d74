package org.ext4j.highlevel.bind;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.ext4j.core.host.HostCommand;
import org.ext4j.core.spi.Caller;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.path.PathOperations;

/**
 * One libfuse3 high-level session: {@code fuse_new} with the operation table and the mount
 * options, {@code fuse_mount}, and the multi-threaded loop on a thread of its own. The loop ends
 * when the kernel connection goes away (an unmount from anywhere: {@link #requestUnmount}, umount,
 * fusermount3 -u); the session then calls {@code fuse_unmount} (which finds the connection gone
 * and only closes the device) and {@code fuse_destroy} (which calls the destroy callback, a sync).
 * Unmounting is always done from outside the loop, never by closing the device under it: libfuse's
 * workers are blocked reading that fd. Where the library needs the mount and the loop on one
 * thread (macFUSE's FSKit backend), {@code fuse_mount} is called on the loop's thread.
 */
public final class LibfuseSession {
    private final LibfuseLibrary library;
    private final Platform platform;
    private final Path mountpoint;
    private final Pointer fuse;
    private final OperationTable table;
    private final Thread loop;
    private final CountDownLatch mounted = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final boolean mountOnLoopThread;
    private volatile boolean mountFailed;
    private volatile int loopResult;
    /** Guards {@link #handleFreed}: the struct fuse is freed after the loop, never under a fuse_exit. */
    private final Object handle = new Object();
    private boolean handleFreed;
    private final PrintStream log;

    private LibfuseSession(LibfuseLibrary library, Platform platform, Path mountpoint, Pointer fuse,
            OperationTable table, Settings settings, PrintStream log) {
        this.library = library;
        this.platform = platform;
        this.mountpoint = mountpoint;
        this.fuse = fuse;
        this.table = table;
        this.log = log;
        this.mountOnLoopThread = settings.mountOnLoopThread();
        this.loop = new Thread(() -> serve(settings.maxThreads()), "ext4j-fuse3 " + mountpoint);
    }

    /** Timeouts the kernel may cache entries and attributes for (seconds). */
    public record Timeouts(double entry, double attr, double negative) {
        /** These timeouts with attributes not cached at all. */
        public Timeouts withoutAttributes() {
            return new Timeouts(entry, 0, negative);
        }
    }

    /**
     * How the session runs, beyond the library's mount options.
     *
     * @param maxThreads        most worker threads of the loop
     * @param timeouts          what the kernel may cache, and for how long
     * @param fixedCaller       the caller of every request where the library reports none (null:
     *                          fuse_get_context() tells)
     * @param fixedUmask        the umask of every request with a fixed caller
     * @param mountOnLoopThread call fuse_mount on the thread that then runs the loop
     */
    public record Settings(int maxThreads, Timeouts timeouts, Caller fixedCaller, int fixedUmask,
            boolean mountOnLoopThread) {
        /** Callers from fuse_get_context(), mount on the calling thread. */
        public static Settings of(int maxThreads, Timeouts timeouts) {
            return new Settings(maxThreads, timeouts, null, 0, false);
        }
    }

    /**
     * Creates the session with {@code options} (libfuse's -o list: mount options such as fsname=,
     * allow_other, default_permissions, ro), mounts it on {@code mountpoint} and starts serving.
     *
     * @throws IOException when libfuse refuses the options or the mount (its reason is on stderr)
     */
    public static LibfuseSession start(PathOperations ops, Platform platform, LibfuseLibrary library,
            List<String> options, Path mountpoint, int maxThreads, Timeouts timeouts, PrintStream log)
            throws IOException {
        return start(ops, platform, library, options, mountpoint, Settings.of(maxThreads, timeouts), log);
    }

    /** {@link #start(PathOperations, Platform, LibfuseLibrary, List, Path, int, Timeouts, PrintStream)} with {@code settings}. */
    public static LibfuseSession start(PathOperations ops, Platform platform, LibfuseLibrary library,
            List<String> options, Path mountpoint, Settings settings, PrintStream log) throws IOException {
        Runtime runtime = library.runtime();
        OperationTable table = new OperationTable(runtime, platform.dialect().operations());
        // The other names of a changed hard-linked file are refreshed through libfuse's path
        // table; a library that cannot do that gets no attributes cached, or they would go stale.
        boolean invalidates = library.canInvalidatePaths();
        Timeouts timeouts = invalidates ? settings.timeouts() : settings.timeouts().withoutAttributes();
        new NativeOperations(ops, platform, library, new NativeOperations.InitSettings(timeouts.entry(),
                timeouts.attr(), timeouts.negative(), settings.fixedCaller(), settings.fixedUmask()), log)
                .register(table);
        List<Pointer> keep = new ArrayList<>();
        Pointer args = arguments(runtime, List.of("ext4j", "-o", String.join(",", options)), keep);
        Pointer fuse = library.newFuse(args, table.memory(), table.size());
        library.fuse().fuse_opt_free_args(args);
        // The argument strings are native memory freed with their Java objects: keep them until here.
        java.lang.ref.Reference.reachabilityFence(keep);
        if (fuse == null || fuse.address() == 0) {
            throw new IOException("libfuse " + library.versionString() + " refused the options " + options
                    + " (see its message above)");
        }
        if (invalidates) {
            ops.staleAttributes().setInvalidator(path -> {
                byte[] z = java.util.Arrays.copyOf(path, path.length + 1);
                library.fuse().fuse_invalidate_path(fuse, z);
            });
        }
        LibfuseSession session = new LibfuseSession(library, platform, mountpoint, fuse, table, settings, log);
        if (!settings.mountOnLoopThread()) {
            if (!session.mount()) {
                library.fuse().fuse_destroy(fuse);
                throw new IOException("libfuse could not mount on " + mountpoint + " (see its message above)");
            }
        }
        session.loop.start();
        if (settings.mountOnLoopThread()) {
            try {
                session.mounted.await();
                if (session.mountFailed) {
                    session.ended.await();
                    throw new IOException("libfuse could not mount on " + mountpoint + " (see its message above)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while mounting " + mountpoint, e);
            }
        }
        return session;
    }

    /** fuse_mount on this thread; true when mounted. */
    private boolean mount() {
        byte[] target = (mountpoint.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        boolean ok = library.fuse().fuse_mount(fuse, target) == 0;
        mountFailed = !ok;
        mounted.countDown();
        return ok;
    }

    /** struct fuse_args { int argc; char **argv; int allocated; } over native copies of {@code argv}. */
    private static Pointer arguments(Runtime runtime, List<String> argv, List<Pointer> keep) {
        Pointer vector = Memory.allocateDirect(runtime, 8L * (argv.size() + 1), true);
        for (int i = 0; i < argv.size(); i++) {
            byte[] b = argv.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer s = Memory.allocateDirect(runtime, b.length + 1, true);
            s.put(0, b, 0, b.length);
            keep.add(s);
            vector.putPointer(8L * i, s);
        }
        keep.add(vector);
        Pointer args = Memory.allocateDirect(runtime, 24, true);
        args.putInt(0, argv.size());
        args.putPointer(8, vector);
        args.putInt(16, 0);
        keep.add(args);
        return args;
    }

    private void serve(int maxThreads) {
        try {
            if (mountOnLoopThread && !mount()) {
                library.fuse().fuse_destroy(fuse);
                loopResult = -1;
                return;
            }
            loopResult = library.loop(fuse, maxThreads);
            synchronized (handle) {
                // fuse_exit from requestUnmount must not reach a freed struct fuse.
                handleFreed = true;
            }
            library.fuse().fuse_unmount(fuse);
            library.fuse().fuse_destroy(fuse);
        } catch (RuntimeException | Error e) {
            log.println("ext4j: the fuse3 loop on " + mountpoint + " failed: " + e);
            loopResult = -1;
        } finally {
            if (mounted.getCount() > 0) {
                mountFailed = true;
                mounted.countDown();
            }
            ended.countDown();
        }
    }

    /** True while the loop serves. */
    public boolean isRunning() {
        return ended.getCount() > 0;
    }

    /** What fuse_loop_mt returned (0 after a clean unmount), once it has ended. */
    public int loopResult() {
        return loopResult;
    }

    public Path mountpoint() {
        return mountpoint;
    }

    /** The operations implemented (for tests and messages). */
    public java.util.Set<org.ext4j.highlevel.abi.Operation> implemented() {
        return table.implemented();
    }

    /**
     * Unmounts with the platform's command (fusermount3 -u on Linux); a busy mount is detached
     * lazily when {@code lazyIfBusy}. Where the library removes the mount itself when its loop is
     * told to exit (WinFsp takes the drive away), {@code fuse_exit} does it, busy or not.
     *
     * @throws IOException when the command fails and the loop still runs
     */
    public void requestUnmount(boolean lazyIfBusy) throws IOException {
        if (!isRunning()) {
            return;
        }
        if (library.exitUnmounts()) {
            synchronized (handle) {
                if (!handleFreed) {
                    library.fuse().fuse_exit(fuse);
                }
            }
            return;
        }
        String first = runUnmount(false);
        if (first == null || !isRunning()) {
            return;
        }
        if (lazyIfBusy && runUnmount(true) == null) {
            return;
        }
        if (isRunning()) {
            throw new IOException("unmounting " + mountpoint + " failed: " + first);
        }
    }

    /** Runs the unmount command; null on success, else its output (or why it did not finish). */
    private String runUnmount(boolean lazy) throws IOException {
        HostCommand.Result r;
        try {
            r = HostCommand.run(platform.unmountCommand(mountpoint, lazy));
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return e.getMessage(); // timed out: a lazy unmount may still be tried
        }
        return r.exitValue() == 0 ? null : r.output();
    }

    /** Waits for the loop to end (after an unmount from anywhere). */
    public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        return ended.await(timeout, unit);
    }

    public void awaitEnd() throws InterruptedException {
        ended.await();
    }
}
