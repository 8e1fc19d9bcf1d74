package org.ext4j.linux.session;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * When the helper readers of a session read requests beside the first reader. Several threads
 * sleeping in read(2) on one FUSE connection are woken in turn, oldest sleeper first, so while
 * requests come one at a time (rm -rf, stat of a tree, I/O at queue depth 1) every request would
 * go to a thread that has to be woken and scheduled, usually on another CPU. So the first reader
 * serves alone as long as it keeps up, and the helpers sleep outside the kernel. They join, doing
 * blocking reads, when one of two things shows that a second thread is needed:
 * <ul>
 * <li>the first reader has been inside one request for longer than {@link #STUCK_NANOS} (a
 * commit, a slow disk, a wait on the forget reaper): a request behind it must not wait that long;
 * <li>a request was already waiting when the first reader finished the previous one (requests
 * from several processes at once).
 * </ul>
 * They leave again once the first reader finds no request waiting. Helpers check on a stuck first
 * reader every {@link #WATCH_NANOS} while requests come, and sleep until woken after
 * {@link #IDLE_NANOS} without any.
 */
final class HelperGate {
    /** How long one request may hold the first reader before the helpers read beside it. */
    static final long STUCK_NANOS = 1_000_000;
    /** How often waiting helpers look at the first reader while requests come. */
    static final long WATCH_NANOS = 1_000_000;
    /** After this long without a request the helpers sleep until the first reader wakes them. */
    static final long IDLE_NANOS = 100_000_000;

    private final List<Thread> helpers = new CopyOnWriteArrayList<>();
    /** When the first reader's current request began; 0 while it is between requests. */
    private volatile long busySince;
    /** When the first reader last began a request (at first: long enough ago to count as idle). */
    private volatile long lastRequest = System.nanoTime() - IDLE_NANOS - 1;
    /**
     * True while helpers read: set on a stuck first reader or a queue, cleared when it finds none;
     * for good once the first reader has stopped (nobody clears it then).
     */
    private volatile boolean open;
    /** Helpers asleep without a deadline; the first reader wakes them at its next request. */
    private final AtomicInteger dormant = new AtomicInteger();

    /** Registers the calling thread as a helper (before its first {@link #awaitTurn}). */
    void enlist() {
        helpers.add(Thread.currentThread());
    }

    /** The first reader begins a request (at {@code now}, from System.nanoTime). */
    void requestBegins(long now) {
        lastRequest = now;
        busySince = now != 0 ? now : 1;   // 0 means between requests
        if (dormant.get() > 0) {
            wakeHelpers();
        }
    }

    /** The first reader finished its request. */
    void requestEnds() {
        busySince = 0;
    }

    /**
     * The first reader's first look for the next request after a reply: {@code waiting} when one
     * was already there (helpers join), otherwise they may leave.
     */
    void queueSeen(boolean waiting) {
        if (waiting != open) {
            open = waiting;
            if (waiting) {
                wakeHelpers();
            }
        }
    }

    /**
     * The first reader stopped (the connection ended, or its reads failed): the helpers read from
     * now on, and stop themselves as their reads tell them.
     */
    void firstReaderGone() {
        open = true;
        wakeHelpers();
    }

    /**
     * For a helper: returns when it should read the next request. Marks the gate open when it
     * finds the first reader stuck.
     */
    void awaitTurn() {
        while (true) {
            if (open) {
                return;
            }
            long now = System.nanoTime();
            long since = busySince;
            if (since != 0 && now - since > STUCK_NANOS) {
                open = true;
                return;
            }
            if (since == 0 && now - lastRequest > IDLE_NANOS) {
                dormant.incrementAndGet();
                try {
                    // Checked again after registering: a request that began in between wakes us.
                    if (System.nanoTime() - lastRequest > IDLE_NANOS && !open) {
                        LockSupport.park(this);
                    }
                } finally {
                    dormant.decrementAndGet();
                }
            } else {
                LockSupport.parkNanos(this, WATCH_NANOS);
            }
        }
    }

    private void wakeHelpers() {
        for (Thread t : helpers) {
            LockSupport.unpark(t);
        }
    }
}
