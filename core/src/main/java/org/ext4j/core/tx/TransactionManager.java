package org.ext4j.core.tx;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.ext4j.core.view.BlockCache;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Hands out metadata handles ({@link Transaction}), one at a time, and groups the handles that
 * committed into one running transaction, as jbd2 does: a committed handle's blocks become the
 * committed state in the {@link BlockCache} at once (pinned there, as their home copy is stale),
 * and the running transaction goes to the {@link CommitWriter} as one {@link CommitRecord} at
 * {@link #sync()}, when it outgrows {@link CommitWriter#maxRecordBlocks()}, when the commit timer
 * finds it older than the commit interval, and at {@link #close()}. Writing many handles with one
 * set of flushes is what makes small operations cheap.
 *
 * <p>A block freed by a handle is not handed out again until the running transaction that frees
 * it is written (see {@link #maskDeferredFrees}): until then the disk may still point at it, so
 * new data written into it could show up in the old file after a crash, and a journal writer may
 * still hold its old content for checkpointing.
 *
 * <p>Lock order: the transaction lock first, then anything a transaction touches (the
 * {@link BlockCache} monitor, held only briefly). Code holding the cache monitor or any lock that a
 * transaction might take must not call {@link #begin()} or {@link #sync()}.
 */
public final class TransactionManager implements AutoCloseable {
    private final DiskView fs;
    private final BlockCache cache;
    private final CommitWriter writer;
    private final ReentrantLock lock = new ReentrantLock();
    private long handles;
    private long sequence;
    /** The running transaction: committed handles' blocks, first role and original kept, latest content. */
    private final Map<Long, CommittedBlock> running = new LinkedHashMap<>();
    private final List<FreedRange> runningFreed = new ArrayList<>();
    /** The running transaction's freed runs by start, merged: not to be allocated before it is written. */
    private final TreeMap<Long, Long> deferredFrees = new TreeMap<>();
    private boolean runningOrderedData;
    private long runningSince;
    private ScheduledExecutorService timer;
    private volatile boolean closed;
    private volatile String failure;

    public TransactionManager(DiskView fs, BlockCache cache, CommitWriter writer) {
        this.fs = fs;
        this.cache = cache;
        this.writer = writer;
    }

    /** A manager over the filesystem's cache that commits in place (no journal). */
    public static TransactionManager inPlace(DiskView fs) {
        return new TransactionManager(fs, fs.blockCache(), new InPlaceCommitWriter(fs.device(), fs.blockSize()));
    }

    public BlockCache cache() {
        return cache;
    }

    public DiskView fileSystem() {
        return fs;
    }

    /** What commits this manager's transactions (for tools that report the mode in force). */
    public CommitWriter writer() {
        return writer;
    }

    /**
     * Starts a handle, waiting for the running one to finish. EROFS when the filesystem is
     * read-only, closed, or an earlier commit failed; IllegalStateException when this thread
     * already runs one.
     */
    public Transaction begin() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only: " + fs.readOnlyReason());
        }
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread already runs a transaction (transactions do not nest)");
        }
        lock.lock();
        if (failure != null || closed) {
            lock.unlock();
            throw new Ext4Exception(Errno.EROFS, closed ? "the filesystem is closed"
                    : "the filesystem went read-only after a failed commit: " + failure);
        }
        return new Transaction(this, ++handles);
    }

    /**
     * Writes the running transaction (if any) through the commit writer and returns when it is
     * durable: what fsync, syncfs and unmount need. EIO (and read-only from then on) when the
     * writer fails.
     */
    public void sync() {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("sync inside a transaction");
        }
        lock.lock();
        try {
            checkAlive();
            commitRunning();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@link #sync()}, then brings every written block to its home location (a journal writer
     * checkpoints its whole log): afterwards the image reads right to tools that do not replay a
     * journal (debugfs on a live image, a frozen filesystem's snapshot).
     */
    public void checkpoint() {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("checkpoint inside a transaction");
        }
        lock.lock();
        try {
            checkAlive();
            commitRunning();
            writer.checkpoint();
        } catch (IOException e) {
            fail("checkpoint: " + e.getMessage());
            throw new Ext4Exception(Errno.EIO, "checkpoint failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Commits the running transaction every {@code interval} (jbd2's commit= mount option; the
     * kernel's default is 5 s) on a daemon thread, until {@link #close()}.
     */
    public synchronized void startCommitTimer(Duration interval) {
        if (timer != null || interval.isZero() || interval.isNegative()) {
            return;
        }
        long nanos = interval.toNanos();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ext4j-commit");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, nanos / 4);
        timer.scheduleWithFixedDelay(() -> commitIfOlderThan(nanos), period, period, TimeUnit.NANOSECONDS);
    }

    private void commitIfOlderThan(long nanos) {
        if (fs.errors().hasUnsaved()) {
            saveErrors();
        }
        lock.lock();
        try {
            if (failure == null && !closed && hasRunning() && System.nanoTime() - runningSince >= nanos) {
                commitRunning();
            }
        } catch (Ext4Exception e) {
            // commitRunning recorded the failure: every later handle and sync reports it as EROFS.
            assert failure != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes the running transaction, stops the commit timer and closes the writer (a journal
     * writer checkpoints and marks the journal clean). Later handles get EROFS.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (timer != null) {
                // Not shutdownNow: its interrupt would land in a commit the timer may be writing,
                // and a FileChannel closes itself when its thread is interrupted in an I/O call.
                // The lock below waits for that commit instead; later runs are cancelled.
                timer.shutdown();
                timer = null;
            }
        }
        if (fs.errors().hasUnsaved()) {
            saveErrors();
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (failure != null) {
                throw new IOException("the filesystem was not closed cleanly: an earlier commit failed: " + failure);
            }
            commitRunning();
            writer.close();
        } catch (Ext4Exception e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** False once a commit failed or the manager was closed: {@link #begin()} would throw EROFS. */
    public boolean acceptsHandles() {
        return failure == null && !closed;
    }

    /** True when committed handles wait to be written (takes the transaction lock). */
    public boolean hasRunningLocked() {
        lock.lock();
        try {
            return hasRunning();
        } finally {
            lock.unlock();
        }
    }

    /** True when committed handles wait to be written; the transaction lock is held. */
    boolean hasRunning() {
        return !running.isEmpty() || runningOrderedData || !runningFreed.isEmpty();
    }

    /**
     * Takes a committed handle's blocks into the running transaction (the transaction lock is
     * held): they become the cache's committed content and stay pinned until written.
     */
    void absorb(List<CommittedBlock> dirty, boolean orderedData, List<FreedRange> freed) {
        if (!hasRunning()) {
            runningSince = System.nanoTime();
        }
        for (CommittedBlock b : dirty) {
            CommittedBlock before = running.get(b.pblk());
            if (before == null) {
                running.put(b.pblk(), b);
                cache.install(b.pblk(), b.content());
                cache.pin(b.pblk());
            } else {
                running.put(b.pblk(), new CommittedBlock(b.pblk(), before.role(), before.original(), b.content()));
                cache.install(b.pblk(), b.content());
            }
        }
        runningOrderedData |= orderedData;
        for (FreedRange r : freed) {
            runningFreed.add(r);
            addDeferred(deferredFrees, r.start(), r.end());
        }
        if (running.size() >= writer.maxRecordBlocks()) {
            commitRunning();
        }
    }

    /**
     * Writes the running transaction now (the transaction lock is held by this thread, possibly
     * inside a handle, whose own changes are not part of it). Returns false when there was none.
     */
    boolean commitRunning() {
        if (!hasRunning()) {
            return false;
        }
        CommitRecord record = new CommitRecord(++sequence, new ArrayList<>(running.values()), runningOrderedData, runningFreed);
        try {
            writer.write(record);
        } catch (IOException | RuntimeException e) {
            fail("transaction " + record.sequence() + ": " + e.getMessage());
            throw new Ext4Exception(Errno.EIO, "commit of transaction " + record.sequence() + " failed: " + e.getMessage(), e);
        }
        for (Long pblk : running.keySet()) {
            cache.unpin(pblk);
        }
        running.clear();
        runningFreed.clear();
        deferredFrees.clear();
        runningOrderedData = false;
        return true;
    }

    /**
     * Sets in {@code bitmap} (a copy of the block bitmap of the group whose first block is
     * {@code base} and which has {@code blocks} blocks) the bits of blocks freed by the running
     * transaction or by {@code own} (the asking handle's frees), so that a search does not hand
     * them out before the transaction that frees them is written.
     */
    void maskDeferredFrees(byte[] bitmap, long base, long blocks, TreeMap<Long, Long> own) {
        mask(deferredFrees, bitmap, base, blocks);
        mask(own, bitmap, base, blocks);
    }

    /** True when blocks are held back until the running transaction is written. */
    boolean hasDeferredFrees() {
        return !deferredFrees.isEmpty();
    }

    private static void mask(TreeMap<Long, Long> ranges, byte[] bitmap, long base, long blocks) {
        if (ranges.isEmpty()) {
            return;
        }
        long end = base + blocks;
        Map.Entry<Long, Long> first = ranges.floorEntry(base);
        long from = first != null && first.getValue() > base ? first.getKey() : base;
        for (Map.Entry<Long, Long> r : ranges.subMap(from, true, end, false).entrySet()) {
            long s = Math.max(r.getKey(), base);
            long e = Math.min(r.getValue(), end);
            for (long b = s; b < e; b++) {
                int bit = (int) (b - base);
                bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
            }
        }
    }

    /** Adds [start, end) to a map of disjoint runs, merging neighbours. */
    static void addDeferred(TreeMap<Long, Long> ranges, long start, long end) {
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            ranges.remove(before.getKey());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    private void checkAlive() {
        if (failure != null) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem went read-only after a failed commit: " + failure);
        }
    }

    void release() {
        lock.unlock();
        if (fs.errors().hasUnsaved()) {
            try {
                saveErrors();
            } catch (Ext4Exception e) {
                // The handle that ended is not at fault; a failed write of the record made the
                // manager refuse further handles (EROFS), which reports it.
                assert failure != null || closed;
            }
        }
    }

    /**
     * Writes the error record that checks made since the last handle into the superblock, in a
     * handle of its own (as the kernel's deferred superblock update after ext4_error does); when
     * the errors= behaviour stops writing, the running transaction is written first, so what
     * committed before the error is kept. Called with the transaction lock free.
     */
    private void saveErrors() {
        if (fs.mountedReadOnly() || lock.isHeldByCurrentThread()) {
            return;
        }
        lock.lock();
        if (failure != null || closed) {
            lock.unlock();
            return;
        }
        Transaction tx = new Transaction(this, ++handles);
        boolean done = false;
        try {
            int bs = fs.blockSize();
            long block = Superblock.OFFSET / bs;
            fs.errors().saveInto(tx.getWriteAccess(block, BlockRole.SUPERBLOCK), Superblock.OFFSET % bs, fs.hasMetadataCsum());
            tx.markDirty(block);
            done = true;
        } finally {
            if (done) {
                tx.commit();
            } else {
                tx.abort();
            }
        }
        if (fs.errors().stoppedWriting() != null) {
            sync();
        }
    }

    void fail(String why) {
        failure = why;
    }
}
