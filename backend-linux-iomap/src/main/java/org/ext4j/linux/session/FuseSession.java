package org.ext4j.linux.session;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ext4j.linux.dispatch.FuseDispatcher;

/**
 * The reader threads of one FUSE connection. Thread 0, the first reader, reads the fd the mount
 * was made with and a non-blocking clone of it; every other thread (a helper) reads its own clone,
 * but only when the {@link HelperGate} says the first reader needs help. Each thread owns a direct
 * buffer for requests and one for replies, sized for the largest request (max_write plus headers).
 * A thread stops when the kernel says the connection is gone (ENODEV: unmounted or aborted). With
 * FUSE over io_uring ({@link FuseRing}) the readers stay, for what the ring does not carry.
 */
public final class FuseSession implements AutoCloseable {
    /** Room for a max_write of 1 MiB plus the request headers. */
    public static final int BUFFER_SIZE = (1 << 20) + 4096;
    /**
     * How long the first reader keeps looking for the next request after a reply before it sleeps:
     * about the time a client takes to send its next request (docs/decisions.md has the runs).
     */
    static final long SPIN_NANOS = 50_000;

    private final FuseDispatcher dispatcher;
    private final List<FuseDevice> devices;
    private final List<Thread> threads = new ArrayList<>();
    private final PrintStream log;
    /** When the helper readers read beside the first one. */
    private final HelperGate gate = new HelperGate();
    /** The io_uring transport, when one was prepared; started after the INIT reply. */
    private FuseRing ring;
    private final AtomicBoolean ringStarted = new AtomicBoolean();

    private FuseSession(FuseDispatcher dispatcher, List<FuseDevice> devices, PrintStream log) {
        this.dispatcher = dispatcher;
        this.devices = devices;
        this.log = log;
    }

    /**
     * Starts {@code threadCount} reader threads on the connection of {@code master}; the session
     * owns the device from now on and closes it (and its clones) in {@link #close()}.
     */
    public static FuseSession start(FuseDevice master, FuseDispatcher dispatcher, int threadCount, String name)
            throws IOException {
        return start(master, dispatcher, threadCount, name, FuseTransport.DEV_FUSE);
    }

    /**
     * Like {@link #start(FuseDevice, FuseDispatcher, int, String)}, and with {@code transport}
     * other than DEV_FUSE, prepares one io_uring queue per possible CPU first and asks for
     * FUSE_OVER_IO_URING at INIT. When no ring can be made the session serves /dev/fuse alone
     * (reported on stderr); {@link #awaitTransport} tells which transport is in use.
     */
    public static FuseSession start(FuseDevice master, FuseDispatcher dispatcher, int threadCount, String name,
            FuseTransport transport) throws IOException {
        if (threadCount < 1) {
            throw new IllegalArgumentException("at least one reader thread is needed: " + threadCount);
        }
        List<FuseDevice> devices = new ArrayList<>();
        devices.add(master);
        try {
            // The first reader's second fd, for its reads that do not wait; then one per helper.
            devices.add(master.cloneNonBlocking());
            for (int i = 1; i < threadCount; i++) {
                devices.add(master.cloneDevice());
            }
        } catch (IOException e) {
            for (FuseDevice d : devices.subList(1, devices.size())) {
                d.close();
            }
            throw e;
        }
        FuseSession session = new FuseSession(dispatcher, devices, System.err);
        if (transport != FuseTransport.DEV_FUSE) {
            try {
                session.ring = FuseRing.prepare(master, dispatcher, FuseRing.possibleCpus(),
                        payloadSize(dispatcher), name, session.log);
                dispatcher.offerIoUring();
            } catch (IOException e) {
                session.log.println("ext4j: FUSE over io_uring is not available (" + e.getMessage() + "); serving through "
                        + FuseDevice.PATH);
            }
        }
        dispatcher.sendNotificationsTo(session::notify);
        session.threads.add(new Thread(() -> session.serveFirst(master, devices.get(1)), name + "-reader-0"));
        for (int i = 1; i < threadCount; i++) {
            FuseDevice device = devices.get(i + 1);
            session.threads.add(new Thread(() -> session.serveAsHelper(device), name + "-reader-" + i));
        }
        session.threads.forEach(t -> t.setDaemon(true));
        session.threads.forEach(Thread::start);
        if (session.ring != null) {
            session.threads.addAll(session.ring.threads());
        }
        return session;
    }

    /**
     * The payload buffer a ring entry needs: the kernel's max_payload_sz, the largest of max_write,
     * max_pages pages and FUSE_MIN_READ_BUFFER.
     */
    static int payloadSize(FuseDispatcher dispatcher) {
        long pages = (long) dispatcher.options().maxPages() * Libc.get().getpagesize();
        return (int) Math.max(org.ext4j.linux.protocol.UringHeader.MIN_PAYLOAD,
                Math.max(dispatcher.options().maxWrite(), pages));
    }

    /**
     * Which transport serves requests, once INIT is done: IO_URING when every queue registered,
     * DEV_FUSE otherwise; waits up to {@code timeout} for the registrations.
     */
    public FuseTransport awaitTransport(long timeout, TimeUnit unit) throws InterruptedException {
        return ring != null && ring.awaitRegistered(timeout, unit) ? FuseTransport.IO_URING : FuseTransport.DEV_FUSE;
    }

    /** Requests served through the io_uring so far (0 without one). */
    public long ringRequests() {
        return ring == null ? 0 : ring.requestsServed();
    }

    /**
     * After a reply went out: once INIT has been answered, the ring starts (or is given up when
     * INIT did not grant it). The kernel has processed the INIT reply by the time its write
     * returned, which REGISTER requires.
     */
    private void afterReply() {
        if (ring != null && dispatcher.negotiatedMinor() > 0 && !ringStarted.get() && ringStarted.compareAndSet(false, true)) {
            ring.start(dispatcher.ioUringGranted());
        }
    }

    /**
     * The first reader's loop. After each reply it keeps asking its non-blocking fd for the next
     * request for up to {@link #SPIN_NANOS}, so that a client sending requests one after another
     * finds it awake; then it sleeps in a read of the blocking fd. Each reply goes to the fd its
     * request came from (the kernel looks the request up on that fd).
     */
    private void serveFirst(FuseDevice blocking, FuseDevice polled) {
        ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_SIZE);
        ByteBuffer out = ByteBuffer.allocateDirect(BUFFER_SIZE);
        boolean spinning = false;
        long spinUntil = 0;
        boolean firstLook = false;
        try {
            while (true) {
                FuseDevice from = spinning ? polled : blocking;
                int n = from.read(in);
                if (n == -Libc.EAGAIN && spinning) {
                    if (firstLook) {
                        gate.queueSeen(false);
                        firstLook = false;
                    }
                    if (System.nanoTime() - spinUntil >= 0) {
                        spinning = false;
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                if (!keepReading(n)) {
                    return;
                }
                if (n < 0) {
                    continue;
                }
                gate.requestBegins(System.nanoTime());
                Served served;
                try {
                    served = serveOne(from, in, n, out);
                } finally {
                    gate.requestEnds();
                }
                if (served == Served.STOP) {
                    return;
                }
                if (served == Served.REPLIED) {
                    if (firstLook) {
                        // A request that wants a reply was waiting already: others are queueing.
                        gate.queueSeen(true);
                    }
                    firstLook = true;
                    spinning = true;
                    spinUntil = System.nanoTime() + SPIN_NANOS;
                }
                // After a request without a reply (a FORGET) nobody waits to send the next one.
            }
        } finally {
            gate.firstReaderGone();
        }
    }

    /** A helper's loop: read and serve a request whenever the {@link HelperGate} says so. */
    private void serveAsHelper(FuseDevice device) {
        ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_SIZE);
        ByteBuffer out = ByteBuffer.allocateDirect(BUFFER_SIZE);
        gate.enlist();
        while (true) {
            gate.awaitTurn();
            int n = device.read(in);
            if (!keepReading(n)) {
                return;
            }
            if (n >= 0 && serveOne(device, in, n, out) == Served.STOP) {
                return;
            }
        }
    }

    /**
     * False when a read's result means this reader stops: the connection is gone (ENODEV, or end
     * of file) or reading failed (logged). Interrupted reads (EINTR, EAGAIN, and ENOENT for a
     * request interrupted before it was read) leave a negative count to skip.
     */
    private boolean keepReading(int n) {
        if (n < 0) {
            int errno = -n;
            if (errno == Libc.EINTR || errno == Libc.EAGAIN || errno == Libc.ENOENT) {
                return true;
            }
            if (errno != Libc.ENODEV) {
                log.println("ext4j: reading " + FuseDevice.PATH + " failed: " + FuseDevice.describe(errno)
                        + "; this reader stops");
            }
            return false;
        }
        return n != 0;
    }

    private enum Served { REPLIED, NO_REPLY, STOP }

    /** Dispatches the request of {@code n} bytes in {@code in} and writes its reply to {@code device}. */
    private Served serveOne(FuseDevice device, ByteBuffer in, int n, ByteBuffer out) {
        int length = dispatcher.handle(in, n, out);
        if (length < 0) {
            return Served.NO_REPLY;
        }
        out.clear();
        int w = device.write(out, length);
        if (w < 0 && -w != Libc.ENOENT) {
            // ENOENT is normal: the request was interrupted and the kernel no longer waits for it.
            if (-w == Libc.ENODEV) {
                return Served.STOP;
            }
            log.println("ext4j: writing a reply failed: " + FuseDevice.describe(-w));
        } else if (w >= 0 && w != length) {
            log.println("ext4j: short reply write: " + w + " of " + length + " bytes");
        }
        afterReply();
        return Served.REPLIED;
    }

    /**
     * Writes one notification to the connection (from whichever reader thread serves the request
     * that caused it). ENOENT means the kernel does not hold that node: nothing to invalidate.
     */
    private void notify(byte[] message) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(message.length);
        buffer.put(message).flip();
        int w = devices.get(0).write(buffer, message.length);
        if (w < 0 && -w != Libc.ENOENT && -w != Libc.ENODEV) {
            log.println("ext4j: writing a notification failed: " + FuseDevice.describe(-w));
        }
    }

    /** Waits until every reader thread has stopped; false on timeout. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Waits without limit until every reader thread has stopped. */
    public void awaitTermination() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /** True while at least one reader thread runs. */
    public boolean isRunning() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    /** The dispatcher serving this connection. */
    public FuseDispatcher dispatcher() {
        return dispatcher;
    }

    /** Closes the device fds (after the threads stopped, or to give up on a connection). */
    @Override
    public void close() {
        if (ring != null) {
            ring.cancel();
        }
        for (FuseDevice d : devices) {
            d.close();
        }
    }
}
