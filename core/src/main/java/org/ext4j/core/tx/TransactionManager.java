package org.ext4j.core.tx;

import java.util.concurrent.locks.ReentrantLock;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Hands out metadata transactions, one at a time. {@link #begin()} takes the transaction lock and
 * {@link Transaction#commit()} or {@link Transaction#abort()} releases it, so a transaction is
 * confined to the thread that began it.
 *
 * <p>Lock order: the transaction lock first, then anything a transaction touches (the
 * {@link BlockCache} monitor, held only briefly). Code holding the cache monitor or any lock that a
 * transaction might take must not call {@link #begin()}.
 */
public final class TransactionManager {
    private final Ext4FileSystem fs;
    private final BlockCache cache;
    private final CommitWriter writer;
    private final ReentrantLock lock = new ReentrantLock();
    private long sequence;
    private volatile String failure;

    public TransactionManager(Ext4FileSystem fs, BlockCache cache, CommitWriter writer) {
        this.fs = fs;
        this.cache = cache;
        this.writer = writer;
    }

    /** A manager over a fresh cache that commits in place (no journal). */
    public static TransactionManager inPlace(Ext4FileSystem fs) {
        return new TransactionManager(fs, fs.blockCache(), new InPlaceCommitWriter(fs.device(), fs.blockSize()));
    }

    public BlockCache cache() {
        return cache;
    }

    public Ext4FileSystem fileSystem() {
        return fs;
    }

    /**
     * Starts a transaction, waiting for the running one to finish. EROFS when the filesystem is
     * read-only or an earlier commit failed; IllegalStateException when this thread already runs one.
     */
    public Transaction begin() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only: " + fs.readOnlyReason());
        }
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread already runs a transaction (transactions do not nest)");
        }
        lock.lock();
        if (failure != null) {
            lock.unlock();
            throw new Ext4Exception(Errno.EROFS, "the filesystem went read-only after a failed commit: " + failure);
        }
        return new Transaction(this, ++sequence);
    }

    CommitWriter writer() {
        return writer;
    }

    void release() {
        lock.unlock();
    }

    void fail(String why) {
        failure = why;
    }
}
