package org.ext4j.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A copy-on-write view of another device: writes land in memory, reads see them over the base.
 * Lets a read-only open replay the journal without touching the image.
 */
public final class OverlayBlockDevice implements BlockDevice {
    private final BlockDevice base;
    private final int chunkSize;
    private final long size;
    /** Written chunks by index ({@code offset / chunkSize}); each array holds the chunk's whole current content. */
    private final Map<Long, byte[]> chunks = new HashMap<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /**
     * Wraps {@code base}; the overlay keeps whole chunks of {@code chunkSize} bytes (the filesystem
     * block size is a good choice, so that one replayed block costs one chunk).
     */
    public OverlayBlockDevice(BlockDevice base, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("overlay chunk size must be positive: " + chunkSize);
        }
        this.base = base;
        this.chunkSize = chunkSize;
        this.size = base.size();
    }

    /** The device underneath, which this overlay never writes. */
    public BlockDevice base() {
        return base;
    }

    /** How many chunks have been written into the overlay. */
    public int overlaidChunks() {
        lock.readLock().lock();
        try {
            return chunks.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        check(offset, len);
        lock.readLock().lock();
        try {
            forEachChunk(offset, len, (index, within, done, n) -> {
                byte[] chunk = chunks.get(index);
                if (chunk != null) {
                    System.arraycopy(chunk, within, dst, dstOff + done, n);
                } else {
                    base.read(offset + done, dst, dstOff + done, n);
                }
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        check(offset, len);
        lock.writeLock().lock();
        try {
            forEachChunk(offset, len, (index, within, done, n) -> {
                byte[] chunk = chunks.get(index);
                if (chunk == null) {
                    chunk = loadChunk(index);
                    chunks.put(index, chunk);
                }
                System.arraycopy(src, srcOff + done, chunk, within, n);
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** One piece of an access that lies within a single chunk. */
    @FunctionalInterface
    private interface ChunkPiece {
        void accept(long index, int within, int done, int n) throws IOException;
    }

    /** Splits the access of {@code len} bytes at {@code offset} at chunk boundaries. */
    private void forEachChunk(long offset, int len, ChunkPiece piece) throws IOException {
        int done = 0;
        while (done < len) {
            long pos = offset + done;
            int within = (int) (pos % chunkSize);
            int n = (int) Math.min(len - done, (long) chunkSize - within);
            piece.accept(pos / chunkSize, within, done, n);
            done += n;
        }
    }

    /** The base content of chunk {@code index}; a last partial chunk is padded with zeros that are never read back. */
    private byte[] loadChunk(long index) throws IOException {
        byte[] chunk = new byte[chunkSize];
        long start = index * chunkSize;
        int present = (int) Math.min(chunkSize, size - start);
        base.read(start, chunk, 0, present);
        return chunk;
    }

    private void check(long offset, int len) throws EOFException {
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new EOFException("access of " + len + " bytes at " + offset + " is outside the device (" + size + " bytes)");
        }
    }

    /** Does nothing: the overlay is memory by design and the base is never written. */
    @Override
    public void flush() {
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    /** Drops the overlay and closes the base device. */
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            chunks.clear();
        } finally {
            lock.writeLock().unlock();
        }
        base.close();
    }
}
