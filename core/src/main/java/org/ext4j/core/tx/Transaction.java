package org.ext4j.core.tx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.view.BlockCache;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * One metadata transaction: the handle through which every metadata change is made. A block is
 * first declared with {@link #getWriteAccess} (or {@link #getCreateAccess} for a block allocated in
 * this transaction), changed in the returned buffer, and marked with {@link #markDirty}. Until
 * {@link #commit()} the changes are private to the transaction: other readers of the
 * {@link BlockCache} keep seeing the committed content, and {@link #abort()} drops them.
 * Confined to the thread that began it; {@link #close()} aborts a transaction that was not committed.
 */
public final class Transaction implements BlockReader, AutoCloseable {
    private enum State { OPEN, COMMITTED, ABORTED }

    /** A block under this transaction: its content before the transaction and the working copy. */
    private static final class Access {
        final BlockRole role;
        final byte[] original;
        final byte[] working;
        boolean dirty;

        Access(BlockRole role, byte[] original, byte[] working) {
            this.role = role;
            this.original = original;
            this.working = working;
        }
    }

    private final TransactionManager manager;
    private final BlockCache cache;
    private final DiskView fs;
    private final long sequence;
    private final Thread owner = Thread.currentThread();
    private final Map<Long, Access> blocks = new LinkedHashMap<>();
    private final List<FreedRange> freed = new ArrayList<>();
    private final TreeMap<Long, Long> freedRuns = new TreeMap<>();
    private boolean orderedData;
    private State state = State.OPEN;
    /** What {@link #onAbort} registered, run newest first when the handle's changes are dropped. */
    private final List<Runnable> undo = new ArrayList<>();

    Transaction(TransactionManager manager, long sequence) {
        this.manager = manager;
        this.cache = manager.cache();
        this.fs = manager.fileSystem();
        this.sequence = sequence;
    }

    public long sequence() {
        return sequence;
    }

    public DiskView fileSystem() {
        return fs;
    }

    /** {@link #getWriteAccess(long, BlockRole)} for plain metadata ({@link BlockRole#METADATA}). */
    public byte[] getWriteAccess(long pblk) {
        return getWriteAccess(pblk, BlockRole.METADATA);
    }

    /**
     * The working copy of metadata block {@code pblk}, starting from its committed content; later
     * calls return the same array. Changes to it are kept only after {@link #markDirty}. The role
     * given first stays (a block cannot change what it is within a transaction).
     */
    public byte[] getWriteAccess(long pblk, BlockRole role) {
        checkOpen();
        Access a = blocks.get(pblk);
        if (a == null) {
            guard(pblk, 1, role);
            byte[] original = cache.readShared(pblk);
            a = new Access(role, original, Arrays.copyOf(original, original.length));
            blocks.put(pblk, a);
        }
        return a.working;
    }

    /**
     * A zero-filled working copy for block {@code pblk}, which this transaction just allocated:
     * its old content is neither read nor kept. IllegalStateException when the block was already
     * accessed in this transaction.
     */
    public byte[] getCreateAccess(long pblk, BlockRole role) {
        checkOpen();
        if (blocks.containsKey(pblk)) {
            throw new IllegalStateException("block " + pblk + " was already accessed in transaction " + sequence);
        }
        checkRange(pblk, 1);
        guard(pblk, 1, role);
        Access a = new Access(role, null, new byte[fs.blockSize()]);
        blocks.put(pblk, a);
        return a.working;
    }

    /**
     * A zero-filled working copy for block {@code pblk}, which the caller just allocated: the
     * created block of {@link #getCreateAccess}, or, when this transaction freed the block and
     * allocated it again, its existing working copy cleared.
     */
    public byte[] getNewBlockAccess(long pblk) {
        if (!hasAccess(pblk)) {
            return getCreateAccess(pblk, BlockRole.NEW);
        }
        byte[] b = getWriteAccess(pblk, BlockRole.NEW);
        Arrays.fill(b, (byte) 0);
        return b;
    }

    /**
     * Runs {@code action} if this handle ends without its changes (abort, close without commit,
     * or a commit that fails): for in-memory state kept beside the blocks, such as the orphan
     * list's order, which must not describe changes that were dropped. Actions run newest first.
     */
    public void onAbort(Runnable action) {
        checkOpen();
        undo.add(action);
    }

    /** True when this transaction holds a working copy of {@code pblk}. */
    public boolean hasAccess(long pblk) {
        return blocks.containsKey(pblk);
    }

    /** Marks block {@code pblk}, accessed before, as changed: commit will write it. */
    public void markDirty(long pblk) {
        checkOpen();
        Access a = blocks.get(pblk);
        if (a == null) {
            throw new IllegalStateException("block " + pblk + " was marked dirty without write access");
        }
        a.dirty = true;
    }

    /** Block {@code pblk} as this transaction sees it (its working copy if it has one), in a fresh array. */
    @Override
    public byte[] read(long pblk) {
        checkOpen();
        Access a = blocks.get(pblk);
        return a != null ? Arrays.copyOf(a.working, a.working.length) : cache.read(pblk);
    }

    /** {@inheritDoc} This handle's working copy when it has one, else the cache's committed array. */
    @Override
    public byte[] readShared(long pblk) {
        checkOpen();
        Access a = blocks.get(pblk);
        return a != null ? a.working : cache.readShared(pblk);
    }

    /**
     * Writes file data ({@code len} bytes, whole blocks) at block {@code pblk} now, ahead of the
     * metadata that will point at it (ordered mode): commit flushes the device before writing any
     * metadata. Data written to blocks the transaction allocated is harmless if it aborts; an
     * overwrite of existing file data cannot be undone by {@link #abort()}.
     */
    public void writeData(long pblk, byte[] src, int off, int len) {
        checkOpen();
        int bs = fs.blockSize();
        if (len <= 0 || len % bs != 0 || off < 0 || off > src.length - len) {
            throw new IllegalArgumentException("data must be whole blocks within the buffer (len " + len + ")");
        }
        long count = len / bs;
        checkRange(pblk, count);
        guard(pblk, count, null);
        for (long b = pblk; b < pblk + count; b++) {
            if (blocks.containsKey(b)) {
                throw new IllegalStateException("block " + b + " is metadata in transaction " + sequence + " and cannot take file data");
            }
            cache.invalidate(b);
        }
        try {
            fs.device().write(pblk * bs, src, off, len);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "writing data block " + pblk + " failed: " + e.getMessage(), e);
        }
        orderedData = true;
    }

    /**
     * Records that file data this handle exposes was written to the device by someone else (the
     * kernel, through FUSE iomap): the commit then flushes the device before the metadata, as it
     * does after {@link #writeData}, so a crash never shows the blocks without their data.
     */
    public void dataWrittenElsewhere() {
        checkOpen();
        orderedData = true;
    }

    /**
     * Records that this handle gave {@code count} blocks from {@code pblk} back to the allocator
     * (the bitmap change itself goes through {@link #getWriteAccess}): the commit writer learns of
     * them, and they are not allocated again until the transaction that frees them is written.
     */
    public void noteFreed(long pblk, long count) {
        checkOpen();
        freed.add(new FreedRange(pblk, count));
        TransactionManager.addDeferred(freedRuns, pblk, pblk + count);
    }

    /**
     * Marks in use, in {@code bitmap} (a search copy of the block bitmap of the group that starts
     * at block {@code base} and has {@code blocks} blocks), the blocks freed but not yet written
     * free: by this handle, or by committed handles whose transaction is still running.
     */
    public void maskDeferredFrees(byte[] bitmap, long base, long blocks) {
        checkOpen();
        manager.maskDeferredFrees(bitmap, base, blocks, freedRuns);
    }

    /**
     * Writes the running transaction now, so that the blocks it frees may be allocated: for an
     * allocator that found too little space. False when no other handle's frees were held back.
     * This handle's own changes stay private.
     */
    public boolean releaseDeferredFrees() {
        checkOpen();
        return manager.hasDeferredFrees() && manager.commitRunning();
    }

    /**
     * Ends the handle: its dirty blocks join the manager's running transaction and become the
     * committed state every reader sees; they reach the disk when that transaction is written
     * ({@link TransactionManager#sync()}). Releases the transaction lock. When joining makes the
     * running transaction write and that write fails, the manager refuses further transactions
     * (EROFS) and EIO is thrown.
     */
    public void commit() {
        checkOpen();
        try {
            List<CommittedBlock> dirty = new ArrayList<>();
            for (Map.Entry<Long, Access> e : blocks.entrySet()) {
                Access a = e.getValue();
                if (a.dirty) {
                    dirty.add(new CommittedBlock(e.getKey(), a.role, a.original, a.working));
                }
            }
            state = State.COMMITTED;
            if (!dirty.isEmpty() || orderedData || !freed.isEmpty()) {
                manager.absorb(dirty, orderedData, freed);
            }
        } finally {
            if (state != State.COMMITTED) {
                state = State.ABORTED;
                runUndo();
            }
            undo.clear();
            blocks.clear();
            manager.release();
        }
    }

    /** Drops every change (the cache keeps the pre-transaction content) and releases the lock. */
    public void abort() {
        checkOpen();
        state = State.ABORTED;
        try {
            runUndo();
        } finally {
            undo.clear();
            freed.clear();
            blocks.clear();
            manager.release();
        }
    }

    private void runUndo() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            undo.get(i).run();
        }
    }

    /** Aborts the transaction unless it was committed or aborted. */
    @Override
    public void close() {
        if (state == State.OPEN) {
            abort();
        }
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("transaction " + sequence + " is " + state.name().toLowerCase());
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("transaction " + sequence + " belongs to thread " + owner.getName());
        }
    }

    /**
     * The last line of the block-validity defence: whatever the caller found on disk, a block that
     * is fixed metadata (see {@link SystemZone}) is written only in its own role, and file data or a
     * file's metadata ({@code role} null, NEW or METADATA) never lands on it. Every pointer is
     * checked where it is read; this catches what a reader missed, before anything is written.
     */
    private void guard(long pblk, long count, BlockRole role) {
        SystemZone zone = fs.systemZone();
        boolean ok = switch (role == null ? BlockRole.NEW : role) {
            case NEW, METADATA -> zone.isClear(pblk, count);
            case INODE_TABLE, BITMAP, GROUP_DESCRIPTORS, SUPERBLOCK -> zone.contains(pblk);
        };
        if (!ok) {
            String what = role == null ? "file data" : role.name().toLowerCase().replace('_', ' ') + " block";
            throw role == null || role == BlockRole.NEW || role == BlockRole.METADATA
                    ? fs.blockError(CorruptionException.NO_INODE, pblk, count, "transaction " + sequence + ": writing " + what)
                    : new CorruptionException(CorruptionException.Structure.SYSTEM_ZONE, "transaction " + sequence + ": writing " + what + " " + pblk
                            + ", which is not where the filesystem keeps that metadata");
        }
    }

    private void checkRange(long pblk, long count) {
        if (pblk < 0 || count < 1 || pblk > fs.blocksCount() - count) {
            throw new IllegalArgumentException("block " + pblk + " (+" + count + ") is outside the filesystem");
        }
    }
}
