package org.ext4j.linux.dispatch;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * Hands the kernel's dropped references to the filesystem from a thread of its own, in batches.
 * rm -rf makes the kernel send one FORGET per removed file, and the filesystem frees each of them
 * (the file was on the orphan list since its unlink, because the kernel still held it); freeing
 * on the thread that read the FORGET took a transaction per file and competed with the next
 * UNLINK. Woken for each FORGET, a reaper that freed whatever had queued still freed batches of
 * one (10 025 inodes in 9 800 transactions during rm -rf of 5 000 files), so it lets FORGETs
 * gather for {@link #GATHER_NANOS} before it frees them together ({@link InodeFileSystem#forgetAll}).
 * <p>
 * Where the kernel's ext4 frees an inode at once, a request that could see the difference first
 * waits for the queue to be freed ({@link #drain}): one that allocates an inode must be handed the
 * number just freed, as ext4 would, and statfs must count it free. Crash safety does not change:
 * an inode stays on the orphan list until the transaction that frees it commits.
 */
final class ForgetReaper {
    /** The most inodes freed in one transaction (each touches its inode, bitmaps and extent blocks). */
    static final int MAX_BATCH = 256;
    /**
     * How long FORGETs gather after the first of a batch arrives. rm -rf sends one about every
     * 100 us, so a batch holds some twenty inodes.
     */
    static final long GATHER_NANOS = 2_000_000;
    private static final long STOP = -1;

    private final InodeFileSystem fs;
    private final PrintStream log;
    private final LinkedBlockingQueue<Long> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** Inodes handed to {@link #forgotten}, and of those, the ones the reaper has dealt with. */
    private final AtomicLong submitted = new AtomicLong();
    private volatile long done;
    private final Object doneChanged = new Object();

    ForgetReaper(InodeFileSystem fs, PrintStream log) {
        this.fs = fs;
        this.log = log;
        this.thread = new Thread(this::run, "ext4j-forget");
        thread.setDaemon(true);
        thread.start();
    }

    /** The kernel dropped its last reference to inode {@code ino}. */
    void forgotten(long ino) {
        submitted.incrementAndGet();
        queue.add(ino);
    }

    /**
     * Returns once every inode handed to {@link #forgotten} before this call has been dealt with
     * (freed, or its failure logged). Returns at once when nothing is queued, which is the rule
     * outside rm -rf.
     */
    void drain() {
        long target = submitted.get();
        if (done >= target) {
            return;
        }
        // Ends the reaper's gathering, or, before it parks, makes its next park return at once.
        LockSupport.unpark(thread);
        synchronized (doneChanged) {
            // A reaper that ended (close() raced with a request) will not free more: no waiting then.
            while (done < target && thread.isAlive()) {
                try {
                    doneChanged.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Hands what is still queued to the filesystem and stops the thread; returns when done. */
    void close() throws InterruptedException {
        queue.add(STOP);
        LockSupport.unpark(thread);
        thread.join();
    }

    private void run() {
        long[] batch = new long[MAX_BATCH];
        boolean stop = false;
        while (true) {
            int n = 0;
            if (!stop) {
                long first;
                try {
                    first = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (first == STOP) {
                    stop = true;
                } else {
                    batch[n++] = first;
                    LockSupport.parkNanos(GATHER_NANOS);
                }
            }
            for (Long next; n < MAX_BATCH && (next = queue.poll()) != null; ) {
                if (next == STOP) {
                    stop = true;
                } else {
                    batch[n++] = next;
                }
            }
            free(batch, n);
            if (stop && queue.isEmpty()) {
                return;
            }
        }
    }

    private void free(long[] batch, int n) {
        if (n == 0) {
            return;
        }
        long[] inos = Arrays.copyOf(batch, n);
        try {
            fs.forgetAll(inos);
        } catch (RuntimeException e) {
            // The batch rolled back: nothing of it was applied. One at a time, so that one inode
            // that cannot be freed (its blocks fail their checks) does not keep the others.
            log.println("ext4j: freeing " + n + " forgotten inodes together failed (" + e
                    + "); freeing them one by one");
            for (long ino : inos) {
                try {
                    fs.forget(ino);
                } catch (RuntimeException one) {
                    log.println("ext4j: freeing forgotten inode " + ino + " failed: " + one);
                }
            }
        } finally {
            synchronized (doneChanged) {
                done += n;
                doneChanged.notifyAll();
            }
        }
    }
}
