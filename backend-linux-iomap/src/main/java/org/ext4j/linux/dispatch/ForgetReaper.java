package org.ext4j.linux.dispatch;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * Hands the kernel's dropped references to the filesystem from a thread of its own, in batches.
 * rm -rf makes the kernel send one FORGET per removed file, and the filesystem frees each of them
 * (the file was on the orphan list since its unlink, because the kernel still held it); freeing
 * on the thread that read the FORGET took a transaction per file and competed with the next
 * UNLINK. Here the inodes collect while the reaper works and are freed together
 * ({@link InodeFileSystem#forgetAll}). Crash safety does not change: an inode stays on the orphan
 * list until the transaction that frees it commits.
 */
final class ForgetReaper {
    /** The most inodes freed in one transaction (each touches its inode, bitmaps and extent blocks). */
    static final int MAX_BATCH = 256;
    private static final long STOP = -1;

    private final InodeFileSystem fs;
    private final PrintStream log;
    private final LinkedBlockingQueue<Long> queue = new LinkedBlockingQueue<>();
    private final Thread thread;

    ForgetReaper(InodeFileSystem fs, PrintStream log) {
        this.fs = fs;
        this.log = log;
        this.thread = new Thread(this::run, "ext4j-forget");
        thread.setDaemon(true);
        thread.start();
    }

    /** The kernel dropped its last reference to inode {@code ino}. */
    void forgotten(long ino) {
        queue.add(ino);
    }

    /** Hands what is still queued to the filesystem and stops the thread; returns when done. */
    void close() throws InterruptedException {
        queue.add(STOP);
        thread.join();
    }

    private void run() {
        List<Long> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(Long.valueOf(STOP));
            free(batch);
            batch.clear();
            if (stop) {
                List<Long> rest = new ArrayList<>();
                queue.drainTo(rest);
                free(rest);
                return;
            }
        }
    }

    private void free(List<Long> inos) {
        if (inos.isEmpty()) {
            return;
        }
        long[] array = inos.stream().mapToLong(Long::longValue).toArray();
        try {
            fs.forgetAll(array);
        } catch (RuntimeException e) {
            // The batch rolled back: nothing of it was applied. One at a time, so that one inode
            // that cannot be freed (its blocks fail their checks) does not keep the others.
            log.println("ext4j: freeing " + array.length + " forgotten inodes together failed (" + e
                    + "); freeing them one by one");
            for (long ino : array) {
                try {
                    fs.forget(ino);
                } catch (RuntimeException one) {
                    log.println("ext4j: freeing forgotten inode " + ino + " failed: " + one);
                }
            }
        }
    }
}
