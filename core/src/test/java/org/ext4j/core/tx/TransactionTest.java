package org.ext4j.core.tx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ext4j.core.view.BlockCache;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transactions, the block cache and the in-place commit order, on an image made by mkfs.ext4 behind a recording device. */
class TransactionTest {
    /** Records every write (by block) and flush that reaches the device; can be told to fail writes. */
    static final class RecordingDevice extends ForwardingBlockDevice {
        final int blockSize;
        final List<String> log = new ArrayList<>();
        final List<byte[]> written = new ArrayList<>();
        boolean failWrites;

        RecordingDevice(BlockDevice inner, int blockSize) {
            super(inner);
            this.blockSize = blockSize;
        }

        @Override
        public void write(long off, byte[] src, int srcOff, int len) throws IOException {
            if (failWrites) {
                throw new IOException("injected write failure");
            }
            log.add("w" + off / blockSize);
            written.add(java.util.Arrays.copyOfRange(src, srcOff, srcOff + len));
            inner().write(off, src, srcOff, len);
        }

        @Override
        public void flush() throws IOException {
            log.add("flush");
            inner().flush();
        }

        byte[] readBlockDirect(long pblk) throws IOException {
            return inner().read(pblk * blockSize, blockSize);
        }
    }

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() throws Exception {
        img = dir.resolve("tx.img");
        Process p = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-b", "1024", img.toString(), "8M").inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private RecordingDevice device() throws IOException {
        return new RecordingDevice(FileBlockDevice.open(img, false), 1024);
    }

    @Test
    void commitWritesDataThenNewAndBitmapsThenPointersThenFreesAndSuperblock() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            dev.log.clear();
            try (Transaction tx = tm.begin()) {
                // Roles and block numbers are what the writer orders by; contents are arbitrary test bytes.
                byte[] data = new byte[2048];
                data[0] = 42;
                tx.writeData(5000, data, 0, data.length);
                byte[] superblock = tx.getWriteAccess(1, BlockRole.SUPERBLOCK);
                superblock[0x3F0] ^= 1;
                tx.markDirty(1);
                byte[] pointer = tx.getWriteAccess(3000);
                pointer[7] = 7;
                tx.markDirty(3000);
                byte[] gdt = tx.getWriteAccess(2, BlockRole.GROUP_DESCRIPTORS);
                gdt[1000] ^= 1;
                tx.markDirty(2);
                byte[] bitmap = tx.getWriteAccess(66, BlockRole.BITMAP);
                bitmap[100] = (byte) 0x0F;
                tx.markDirty(66);
                byte[] created = tx.getCreateAccess(4500, BlockRole.NEW);
                created[0] = 1;
                tx.markDirty(4500);
                tx.getWriteAccess(4600);
                tx.commit();
            }
            assertEquals(List.of("w5000"), dev.log, "a committed handle waits in the running transaction; only its data was sent");
            tm.sync();
            // Block 66 (the block bitmap) only gained bits, so it is final after phase 1; block 4600 was never marked dirty.
            assertEquals(List.of("w5000", "flush", "w66", "w4500", "flush", "w2", "w3000", "flush", "w1", "flush"), dev.log);
        }
    }

    @Test
    void bitmapFreesAreWrittenOnlyAfterThePointers() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            try (Transaction tx = tm.begin()) {
                byte[] b = tx.getWriteAccess(66, BlockRole.BITMAP);
                b[100] = (byte) 0xF0;
                tx.markDirty(66);
                tx.commit();
            }
            tm.sync();
            dev.log.clear();
            dev.written.clear();
            try (Transaction tx = tm.begin()) {
                byte[] b = tx.getWriteAccess(66, BlockRole.BITMAP);
                b[100] = (byte) 0x0F;
                tx.markDirty(66);
                byte[] p = tx.getWriteAccess(3000);
                p[1] ^= 1;
                tx.markDirty(3000);
                tx.commit();
            }
            tm.sync();
            assertEquals(List.of("w66", "flush", "w3000", "flush", "w66", "flush"), dev.log);
            assertEquals((byte) 0xFF, dev.written.get(0)[100], "first write: old bits and new bits together");
            assertEquals((byte) 0x0F, dev.written.get(2)[100], "last write: the final bitmap");
            assertEquals((byte) 0x0F, tm.cache().read(66)[100]);
        }
    }

    @Test
    void readersSeeOnlyCommittedContentAndAbortRestoresIt() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            byte[] before = tm.cache().read(3000);
            Transaction tx = tm.begin();
            byte[] w = tx.getWriteAccess(3000);
            w[0] ^= (byte) 0xFF;
            tx.markDirty(3000);
            assertEquals(w[0], tx.read(3000)[0]);
            byte[] seenByOther = CompletableFuture.supplyAsync(() -> tm.cache().read(3000)).get(10, TimeUnit.SECONDS);
            assertArrayEquals(before, seenByOther);
            CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> {
                try (Transaction other = tm.begin()) {
                    return other.sequence();
                }
            });
            Thread.sleep(100);
            assertFalse(waiting.isDone(), "a second transaction must wait for the first");
            tx.abort();
            assertEquals(2L, waiting.get(10, TimeUnit.SECONDS));
            assertArrayEquals(before, tm.cache().read(3000));
            assertArrayEquals(before, fs.readBlock(3000));

            try (Transaction t2 = tm.begin()) {
                byte[] x = t2.getWriteAccess(3000);
                x[0] ^= (byte) 0xFF;
                t2.markDirty(3000);
                t2.commit();
            }
            assertEquals((byte) (before[0] ^ 0xFF), tm.cache().read(3000)[0]);
            assertEquals((byte) (before[0] ^ 0xFF), fs.readBlock(3000)[0]);
        }
    }

    @Test
    void aNewBlockIsZeroedWhetherOrNotThisTransactionHeldItBefore() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            try (Transaction tx = fs.transactions().begin()) {
                byte[] fresh = tx.getNewBlockAccess(4700);
                assertEquals(fs.blockSize(), fresh.length);
                assertTrue(java.util.Arrays.equals(new byte[fs.blockSize()], fresh), "a created block is zeros");
                // Held before (freed and allocated again in one transaction): the same working copy, cleared.
                byte[] held = tx.getWriteAccess(3000);
                held[7] = 7;
                byte[] again = tx.getNewBlockAccess(3000);
                assertSame(held, again);
                assertTrue(java.util.Arrays.equals(new byte[fs.blockSize()], again), "a reused block is cleared");
            }
        }
    }

    @Test
    void misuseIsRefused() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            try (Transaction tx = tm.begin()) {
                assertThrows(IllegalStateException.class, tm::begin);
                assertThrows(IllegalStateException.class, () -> tx.markDirty(3000));
                tx.getWriteAccess(3000);
                assertThrows(IllegalStateException.class, () -> tx.getCreateAccess(3000, BlockRole.NEW));
                assertThrows(IllegalStateException.class, () -> tx.writeData(3000, new byte[1024], 0, 1024));
                assertThrows(org.ext4j.core.spi.CorruptionException.class, () -> tx.writeData(1, new byte[1024], 0, 1024));
                assertThrows(IllegalArgumentException.class, () -> tx.writeData(400, new byte[100], 0, 100));
                assertThrows(IllegalArgumentException.class, () -> tx.getCreateAccess(fs.blocksCount(), BlockRole.NEW));
                tx.commit();
                assertThrows(IllegalStateException.class, tx::commit);
            }
        }
        try (Ext4FileSystem ro = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class, () -> ro.transactions().begin()).errno());
        }
    }

    @Test
    void aFailedCommitMakesTheManagerRefuseFurtherTransactions() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            byte[] before = tm.cache().read(3000);
            Transaction tx = tm.begin();
            tx.getWriteAccess(3000)[0] ^= 1;
            tx.markDirty(3000);
            tx.commit();
            dev.failWrites = true;
            assertEquals(Errno.EIO, assertThrows(Ext4Exception.class, tm::sync).errno());
            dev.failWrites = false;
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class, tm::begin).errno());
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class, tm::sync).errno());
            assertEquals((byte) (before[0] ^ 1), tm.cache().read(3000)[0], "readers keep the committed state; the device never got it");
            assertThrows(IOException.class, tm::close, "a close after a failed commit is not clean");
        }
    }

    @Test
    void pinnedBlocksSurviveEvictionAndResistOverwrite() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            BlockCache cache = new BlockCache(fs, 2);
            byte[] mine = new byte[1024];
            mine[5] = 9;
            cache.install(3000, mine);
            cache.pin(3000);
            for (long b = 400; b < 410; b++) {
                cache.read(b);
            }
            assertEquals(3, cache.size());
            assertEquals(9, cache.read(3000)[5], "a pinned block is never evicted (its home copy is stale)");
            assertThrows(IllegalStateException.class, () -> cache.invalidate(3000));
            cache.unpin(3000);
            assertThrows(IllegalStateException.class, () -> cache.unpin(3000));
            cache.read(500);
            cache.read(501);
            assertEquals(0, cache.read(3000)[5], "unpinned, evicted, and read back from the device");
        }
    }

    @Test
    void handlesJoinOneRunningTransactionWrittenWithOneSetOfFlushes() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            byte[] home = fs.readBlock(3000);
            dev.log.clear();
            for (int i = 0; i < 50; i++) {
                try (Transaction tx = tm.begin()) {
                    tx.getWriteAccess(3000)[i] = (byte) (i + 1);
                    tx.markDirty(3000);
                    tx.getWriteAccess(3001 + i)[0] = 7;
                    tx.markDirty(3001 + i);
                    tx.commit();
                }
            }
            assertTrue(dev.log.isEmpty(), "nothing reaches the device before sync: " + dev.log);
            assertEquals(50, fs.readBlock(3000)[49], "readers see every committed handle");
            assertArrayEquals(home, dev.readBlockDirect(3000), "the home copy is untouched until sync");
            tm.sync();
            assertEquals(51, dev.log.stream().filter(e -> e.startsWith("w")).count(), "each block written once: " + dev.log);
            assertEquals(1, dev.log.stream().filter("flush"::equals).count(), dev.log.toString());
            assertEquals(50, dev.readBlockDirect(3000)[49]);
            dev.log.clear();
            tm.sync();
            assertTrue(dev.log.isEmpty(), "a sync with nothing running writes nothing: " + dev.log);
        }
    }

    @Test
    void aFreedBlockIsNotHandedOutAgainBeforeTheFreeIsWritten() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            org.ext4j.core.alloc.BlockAllocator alloc = new org.ext4j.core.alloc.BlockAllocator(
                    new org.ext4j.core.alloc.GroupAccounting(fs));
            long first;
            try (Transaction tx = tm.begin()) {
                first = alloc.allocate(tx, 0, 1, true).get(0).start();
                tx.commit();
            }
            tm.sync();
            try (Transaction tx = tm.begin()) {
                alloc.free(tx, first, 1);
                assertTrue(alloc.allocate(tx, first, 1, true).get(0).start() != first, "not within the freeing handle");
                tx.abort();
            }
            try (Transaction tx = tm.begin()) {
                alloc.free(tx, first, 1);
                tx.commit();
            }
            try (Transaction tx = tm.begin()) {
                long again = alloc.allocate(tx, first, 1, true).get(0).start();
                assertTrue(again != first, "not while the freeing transaction is running");
                alloc.free(tx, again, 1);
                tx.commit();
            }
            tm.sync();
            try (Transaction tx = tm.begin()) {
                assertEquals(first, alloc.allocate(tx, first, 1, true).get(0).start(), "free again once written");
                alloc.free(tx, first, 1);
                tx.commit();
            }
        }
        assertEquals(0, e2fsckExit(), "the image is consistent after close");
    }

    @Test
    void theCommitTimerWritesARunningTransactionThatAgedAndCloseWritesTheRest() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            tm.startCommitTimer(Duration.ofMillis(100));
            dev.log.clear();
            try (Transaction tx = tm.begin()) {
                tx.getWriteAccess(3000)[0] ^= 1;
                tx.markDirty(3000);
                tx.commit();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (tm.hasRunningLocked() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(dev.log.contains("w3000"), "the timer wrote the aged transaction: " + dev.log);
            try (Transaction tx = tm.begin()) {
                tx.getWriteAccess(3001)[0] ^= 1;
                tx.markDirty(3001);
                tx.commit();
            }
        }
        assertTrue(dev.log.contains("w3001"), "close wrote the last running transaction: " + dev.log);
    }

    /**
     * close() (unmount, remount read-only) while the commit timer's thread is writing a commit:
     * the commit must finish and close write the rest. Stopping the timer with an interrupt made
     * that write fail (a FileChannel closes itself when the thread using it is interrupted), and
     * close reported "an earlier commit failed: transaction 1: null" (a CI run of MountHelperIT).
     */
    @Test
    void closeLetsACommitOfTheTimerFinish() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        BlockDevice dev = new ForwardingBlockDevice(FileBlockDevice.open(img, false)) {
            @Override
            public void write(long off, byte[] src, int srcOff, int len) throws IOException {
                if (Thread.currentThread().getName().equals("ext4j-commit") && entered.getCount() > 0) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        // What FileChannel does when its thread is interrupted in an I/O call.
                        throw new ClosedByInterruptException();
                    }
                }
                inner().write(off, src, srcOff, len);
            }
        };
        Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE);
        TransactionManager tm = fs.transactions();
        try (Transaction tx = tm.begin()) {
            tx.getWriteAccess(3000)[0] ^= 1;
            tx.markDirty(3000);
            tx.commit();
        }
        tm.startCommitTimer(Duration.ofMillis(40));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the timer started a commit");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                fs.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(closing.isDone(), "close waits for the commit in progress");
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertFalse(interrupted.get(), "the commit's write was interrupted");
        assertEquals(0, e2fsckExit(), "the image is consistent after close");
    }

    private int e2fsckExit() throws Exception {
        Process p = new ProcessBuilder("e2fsck", "-fn", img.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(out);
        }
        return rc;
    }
}
