package org.ext4j.linux.session;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.ext4j.linux.dispatch.FuseDispatcher;
import org.ext4j.linux.protocol.UringHeader;

/**
 * FUSE over io_uring (Linux 6.14+, {@code Documentation/filesystems/fuse/fuse-io-uring.rst}): one
 * queue per possible CPU, as the kernel wants (it routes a request to the queue of the CPU the
 * calling task runs on, and uses the ring only once every queue has an entry registered). Each
 * queue is served by its own thread with its own io_uring, and has {@link #ENTRIES_PER_QUEUE}
 * entries, each a header and a payload buffer.
 *
 * <p>Life cycle: {@link #prepare} before the mount's INIT, so that the rings and buffers exist
 * before FUSE_OVER_IO_URING is granted (once granted, the kernel holds every request until all
 * queues are registered or a registration fails; nothing may fail in between without telling
 * it). {@link #start} right after the INIT reply was written (REGISTER needs an initialized
 * connection): each thread registers its entries, then loops: wait for completions, serve each
 * request through the dispatcher, answer it with COMMIT_AND_FETCH, which also re-arms the entry.
 * /dev/fuse stays in use for what the ring does not carry (INIT, FORGET, INTERRUPT,
 * notifications). When the connection ends (unmount, abort) the kernel completes every entry with
 * an error and the threads end; when this process dies, closing the rings cancels the entries, so
 * the kernel never waits for a dead server.
 */
final class FuseRing {
    /** Entries per queue: one being served, one the kernel can fill meanwhile. */
    static final int ENTRIES_PER_QUEUE = 2;
    /** How long REGISTER is retried while the kernel reports the connection not yet initialized. */
    private static final long REGISTER_RETRY_MS = 5_000;

    private final List<Queue> queues = new ArrayList<>();
    private final CompletableFuture<Boolean> registered = new CompletableFuture<>();
    private final PrintStream log;
    private final LongAdder served = new LongAdder();

    private FuseRing(PrintStream log) {
        this.log = log;
    }

    /**
     * Creates the rings and buffers for {@code queueCount} queues, each on its own thread.
     *
     * @throws IOException when a ring cannot be made (no io_uring, or disabled); nothing is left
     */
    static FuseRing prepare(FuseDevice device, FuseDispatcher dispatcher, int queueCount, int payloadSize,
            String name, PrintStream log) throws IOException {
        FuseRing ring = new FuseRing(log);
        for (int qid = 0; qid < queueCount; qid++) {
            Queue q = ring.new Queue(qid, device, dispatcher, payloadSize);
            q.thread = new Thread(q::run, name + "-uring-" + qid);
            q.thread.setDaemon(true);
            ring.queues.add(q);
            q.thread.start();
        }
        try {
            for (Queue q : ring.queues) {
                q.created.get(10, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            ring.cancel();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IOException(cause.getMessage(), cause);
        }
        return ring;
    }

    /**
     * After INIT: registers the entries when the kernel granted FUSE_OVER_IO_URING, otherwise ends
     * the threads and frees the rings.
     */
    void start(boolean granted) {
        if (!granted) {
            cancel();
            registered.complete(false);
            return;
        }
        for (Queue q : queues) {
            q.go.complete(true);
        }
    }

    /** Ends threads that have not started serving (a mount that failed, or INIT without the ring). */
    void cancel() {
        for (Queue q : queues) {
            q.go.complete(false);
        }
    }

    /**
     * True once every entry was registered (the kernel serves requests through the ring), false
     * when the ring is not used; waits up to {@code timeout} for the answer.
     */
    boolean awaitRegistered(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            return registered.get(timeout, unit);
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** How many requests came through the ring so far. */
    long requestsServed() {
        return served.sum();
    }

    /** The serving threads (for joining). */
    List<Thread> threads() {
        List<Thread> t = new ArrayList<>();
        for (Queue q : queues) {
            t.add(q.thread);
        }
        return t;
    }

    /** Called by each queue once its registrations were all accepted or one was refused. */
    private synchronized void queueRegistered(boolean ok) {
        if (!ok) {
            registered.complete(false);
            // A refused REGISTER turns the connection back to /dev/fuse (the kernel clears its
            // io_uring flag): the other queues' entries would never be used, so give them back.
            for (Queue q : queues) {
                q.stopping = true;
            }
            return;
        }
        if (queues.stream().allMatch(q -> q.allRegistered)) {
            registered.complete(true);
        }
    }

    /**
     * The number of queues the kernel makes: one per possible CPU ({@code num_possible_cpus()}),
     * which is what /sys/devices/system/cpu/possible lists ("0-3", "0,2-5").
     */
    static int possibleCpus() throws IOException {
        String list = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
        int count = 0;
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            if (dash < 0) {
                count++;
            } else {
                count += Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
            }
        }
        return count;
    }

    /** One queue: its io_uring, its entries, and the thread that serves them. */
    private final class Queue {
        final int qid;
        final FuseDevice device;
        final FuseDispatcher dispatcher;
        final int payloadSize;
        final CompletableFuture<Void> created = new CompletableFuture<>();
        final CompletableFuture<Boolean> go = new CompletableFuture<>();
        Thread thread;
        volatile boolean allRegistered;
        volatile boolean stopping;
        private IoUring uring;
        private RingEntry[] entries;
        /** Entries the kernel still holds or we still serve; the thread ends at zero. */
        private int live;

        Queue(int qid, FuseDevice device, FuseDispatcher dispatcher, int payloadSize) {
            this.qid = qid;
            this.device = device;
            this.dispatcher = dispatcher;
            this.payloadSize = payloadSize;
        }

        void run() {
            pinToCpu(qid);
            try {
                uring = IoUring.create(ENTRIES_PER_QUEUE * 2);
                entries = new RingEntry[ENTRIES_PER_QUEUE];
                for (int i = 0; i < entries.length; i++) {
                    entries[i] = new RingEntry(qid, payloadSize);
                }
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                if (uring != null) {
                    uring.close();
                }
                created.completeExceptionally(e);
                return;
            }
            created.complete(null);
            try {
                if (go.join()) {
                    serve();
                }
            } catch (RuntimeException | Error e) {
                log.println("ext4j: io_uring queue " + qid + " failed: " + e);
                e.printStackTrace(log);
                queueRegistered(false);
            } finally {
                uring.close();
            }
        }

        private void serve() {
            for (int i = 0; i < entries.length; i++) {
                register(i);
            }
            live = entries.length;
            long registerDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REGISTER_RETRY_MS);
            // A refused REGISTER completes inline, within the submitting call: when the first
            // submission returned and drained no refusal, the entries are registered.
            boolean first = true;
            while (live > 0 && !stopping) {
                int n = uring.submitAndWait(first ? 0 : 1);
                if (n < 0 && -n != Libc.EINTR && -n != Libc.EAGAIN && -n != Libc.EBUSY) {
                    log.println("ext4j: io_uring_enter on queue " + qid + " failed: " + FuseDevice.describe(-n)
                            + "; this queue stops");
                    queueRegistered(false);
                    return;
                }
                uring.drainCompletions((userData, result) -> complete((int) userData, result, registerDeadline));
                if (first && n >= 0 && !stopping) {
                    first = false;
                    allRegistered = true;
                    queueRegistered(true);
                }
            }
        }

        private void register(int index) {
            RingEntry e = entries[index];
            ByteBuffer sqe = command(UringHeader.CMD_REGISTER, index, 0);
            sqe.putLong(IoUring.SQE_ADDR, e.iovecs());
            sqe.putInt(IoUring.SQE_LEN, UringHeader.IOV_SEGMENTS);
        }

        private ByteBuffer command(int op, int index, long commitId) {
            ByteBuffer sqe = uring.nextEntry();
            sqe.put(IoUring.SQE_OPCODE, (byte) IoUring.OP_URING_CMD);
            sqe.putInt(IoUring.SQE_FD, device.fd());
            sqe.putInt(IoUring.SQE_CMD_OP, op);
            sqe.putLong(IoUring.SQE_USER_DATA, index);
            sqe.putLong(IoUring.SQE_CMD + UringHeader.CMD_COMMIT_ID, commitId);
            sqe.putShort(IoUring.SQE_CMD + UringHeader.CMD_QID, (short) qid);
            return sqe;
        }

        /** One completion: a request to serve, or the end (or refusal) of an entry. */
        private void complete(int index, int result, long registerDeadline) {
            if (result == 0) {
                serveRequest(index);
                return;
            }
            if (-result == Libc.EAGAIN && System.nanoTime() < registerDeadline) {
                // The kernel has not finished processing the INIT reply yet.
                sleepBriefly();
                register(index);
                return;
            }
            live--;
            if (!allRegistered) {
                log.println("ext4j: the kernel refused FUSE io_uring registration on queue " + qid + ": "
                        + FuseDevice.describe(-result) + "; serving through " + FuseDevice.PATH);
                queueRegistered(false);
                stopping = true;
            } else if (-result != Libc.ENOTCONN && -result != Libc.ECANCELED && -result != Libc.ENOENT
                    && -result != Libc.ECONNABORTED) {
                log.println("ext4j: io_uring entry on queue " + qid + " ended: " + FuseDevice.describe(-result));
            }
        }

        private void serveRequest(int index) {
            RingEntry e = entries[index];
            long unique = e.commitId();
            ByteBuffer request = e.request();
            if (request == null) {
                log.println("ext4j: io_uring request " + unique + " on queue " + qid + " has inconsistent lengths");
                e.commitError(unique, Libc.EIO);
            } else {
                int length;
                try {
                    length = dispatcher.handle(request, request.limit(), e.replyBuffer());
                } catch (VirtualMachineError | RuntimeException t) {
                    // A /dev/fuse reader that dies leaves others to read; a queue that dies leaves
                    // every later request from its CPU waiting. Answer this one and keep serving.
                    log.println("ext4j: io_uring request " + unique + " on queue " + qid + " failed: " + t
                            + "; answering EIO");
                    length = -1;
                }
                if (length < 0) {
                    // Every ring request awaits an answer (FORGET and INTERRUPT come through
                    // /dev/fuse); one the dispatcher did not answer still has to free its entry.
                    e.commitError(unique, Libc.EIO);
                } else {
                    e.commitReply(length);
                }
            }
            served.increment();
            command(UringHeader.CMD_COMMIT_AND_FETCH, index, unique);
        }
    }

    /**
     * Keeps a queue's thread on the queue's CPU, as the kernel's design intends: a request is
     * queued on the CPU its caller runs on, and a server thread there answers it without waking
     * another core. Best effort: a CPU that is offline or outside this process's set is skipped.
     */
    private static void pinToCpu(int cpu) {
        int bytes = (cpu / 64 + 1) * 8;
        jnr.ffi.Pointer mask = jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(Libc.get()), bytes);
        for (int i = 0; i < bytes; i += 8) {
            mask.putLong(i, 0);
        }
        mask.putLong((cpu / 64) * 8L, 1L << (cpu % 64));
        Libc.get().sched_setaffinity(0, bytes, mask);
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
