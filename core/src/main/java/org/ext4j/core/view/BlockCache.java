package org.ext4j.core.view;

import java.util.Arrays;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed content of metadata blocks, shared by every reader of the filesystem: a bounded
 * LRU of blocks read from the device or installed by a committed transaction, plus blocks pinned
 * by a commit writer (a journal writer pins what it logged until it is checkpointed home, so a
 * reader never falls back to the stale home copy). Readers get copies and never see a
 * transaction's uncommitted changes.
 *
 * <p>Locking: one monitor guards the maps; device reads on a miss happen outside it, and a block
 * read that raced with an {@link #install} is not cached (the read copy may predate the install).
 * The transaction lock (tx.TransactionManager) is always taken before this monitor, never
 * while holding it.
 */
public final class BlockCache implements BlockReader {
    /** Default capacity in blocks (16 MiB of 4 KiB blocks). */
    public static final int DEFAULT_CAPACITY = 4096;

    private final DiskView fs;
    private final int capacity;
    private final LinkedHashMap<Long, byte[]> clean;
    private final Map<Long, byte[]> pinned = new HashMap<>();
    private final Map<Long, Integer> pinCounts = new HashMap<>();
    private long installs;

    /** A cache of at most {@code capacity} unpinned blocks of {@code fs}. */
    public BlockCache(DiskView fs, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.fs = fs;
        this.capacity = capacity;
        this.clean = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > BlockCache.this.capacity;
            }
        };
    }

    public BlockCache(DiskView fs) {
        this(fs, DEFAULT_CAPACITY);
    }

    public DiskView fileSystem() {
        return fs;
    }

    public int blockSize() {
        return fs.blockSize();
    }

    /**
     * The committed content of block {@code pblk} in a fresh array. The block number is validated
     * (a CorruptionException beyond the filesystem; device errors become EIO).
     */
    @Override
    public byte[] read(long pblk) {
        byte[] shared = readShared(pblk);
        return Arrays.copyOf(shared, shared.length);
    }

    /**
     * {@inheritDoc} Cached arrays are never modified after {@link #install} (a commit hands over
     * its working copy and forgets it), so the cache's own array can be shared.
     */
    @Override
    public byte[] readShared(long pblk) {
        long seen;
        synchronized (this) {
            byte[] b = lookup(pblk);
            if (b != null) {
                return b;
            }
            seen = installs;
        }
        byte[] fresh = fs.readBlockFromDevice(pblk);
        synchronized (this) {
            byte[] b = lookup(pblk);
            if (b != null) {
                return b;
            }
            if (seen == installs) {
                clean.put(pblk, fresh);
            }
        }
        return fresh;
    }

    private byte[] lookup(long pblk) {
        byte[] b = pinned.get(pblk);
        return b != null ? b : clean.get(pblk);
    }

    /** Makes {@code content} (not copied: the caller gives it up) the committed content of {@code pblk}. */
    public synchronized void install(long pblk, byte[] content) {
        installs++;
        if (pinned.containsKey(pblk)) {
            pinned.put(pblk, content);
        } else {
            clean.put(pblk, content);
        }
    }

    /** Forgets block {@code pblk}: its next read comes from the device (after file data was written over it). */
    public synchronized void invalidate(long pblk) {
        if (pinned.containsKey(pblk)) {
            throw new IllegalStateException("block " + pblk + " is pinned by the commit writer and cannot be overwritten");
        }
        installs++;
        clean.remove(pblk);
    }

    /**
     * Keeps block {@code pblk} (which must be cached, e.g. just installed) in memory until a
     * matching {@link #unpin}: for a writer whose home copy of the block is not yet current.
     */
    public synchronized void pin(long pblk) {
        byte[] b = lookup(pblk);
        if (b == null) {
            throw new IllegalStateException("block " + pblk + " is not cached");
        }
        clean.remove(pblk);
        pinned.put(pblk, b);
        pinCounts.merge(pblk, 1, Integer::sum);
    }

    /** Releases one {@link #pin}; the block becomes evictable when no pins remain. */
    public synchronized void unpin(long pblk) {
        Integer n = pinCounts.get(pblk);
        if (n == null) {
            throw new IllegalStateException("block " + pblk + " is not pinned");
        }
        if (n > 1) {
            pinCounts.put(pblk, n - 1);
            return;
        }
        pinCounts.remove(pblk);
        clean.put(pblk, pinned.remove(pblk));
    }

    /** Number of blocks held (clean and pinned). */
    public synchronized int size() {
        return clean.size() + pinned.size();
    }
}
