package org.ext4j.core.tx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    }

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() throws Exception {
        img = dir.resolve("tx.img");
        Process p = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-b", "1024", img.toString(), "8M").inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    private RecordingDevice device() throws IOException {
        return new RecordingDevice(FileBlockDevice.open(img, false), 1024);
    }

    @Test
    void commitWritesDataThenNewAndBitmapsThenPointersThenFreesAndSuperblock() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = TransactionManager.inPlace(fs);
            dev.log.clear();
            try (Transaction tx = tm.begin()) {
                // Roles and block numbers are what the writer orders by; contents are arbitrary test bytes.
                byte[] data = new byte[2048];
                data[0] = 42;
                tx.writeData(5000, data, 0, data.length);
                byte[] superblock = tx.getWriteAccess(1, BlockRole.SUPERBLOCK);
                superblock[0x3F0] ^= 1;
                tx.markDirty(1);
                byte[] pointer = tx.getWriteAccess(300);
                pointer[7] = 7;
                tx.markDirty(300);
                byte[] gdt = tx.getWriteAccess(2, BlockRole.GROUP_DESCRIPTORS);
                gdt[1000] ^= 1;
                tx.markDirty(2);
                byte[] bitmap = tx.getWriteAccess(4000, BlockRole.BITMAP);
                bitmap[0] = (byte) 0x0F;
                tx.markDirty(4000);
                byte[] created = tx.getCreateAccess(4500, BlockRole.NEW);
                created[0] = 1;
                tx.markDirty(4500);
                tx.getWriteAccess(4600);
                tx.commit();
            }
            // Block 4000 only gained bits, so it is final after phase 1; block 4600 was never marked dirty.
            assertEquals(List.of("w5000", "flush", "w4000", "w4500", "flush", "w2", "w300", "flush", "w1", "flush"), dev.log);
        }
    }

    @Test
    void bitmapFreesAreWrittenOnlyAfterThePointers() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = TransactionManager.inPlace(fs);
            try (Transaction tx = tm.begin()) {
                byte[] b = tx.getWriteAccess(4000, BlockRole.BITMAP);
                b[0] = (byte) 0xF0;
                tx.markDirty(4000);
                tx.commit();
            }
            dev.log.clear();
            dev.written.clear();
            try (Transaction tx = tm.begin()) {
                byte[] b = tx.getWriteAccess(4000, BlockRole.BITMAP);
                b[0] = (byte) 0x0F;
                tx.markDirty(4000);
                byte[] p = tx.getWriteAccess(300);
                p[1] ^= 1;
                tx.markDirty(300);
                tx.commit();
            }
            assertEquals(List.of("w4000", "flush", "w300", "flush", "w4000", "flush"), dev.log);
            assertEquals((byte) 0xFF, dev.written.get(0)[0], "first write: old bits and new bits together");
            assertEquals((byte) 0x0F, dev.written.get(2)[0], "last write: the final bitmap");
            assertEquals((byte) 0x0F, tm.cache().read(4000)[0]);
        }
    }

    @Test
    void readersSeeOnlyCommittedContentAndAbortRestoresIt() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = TransactionManager.inPlace(fs);
            byte[] before = tm.cache().read(300);
            Transaction tx = tm.begin();
            byte[] w = tx.getWriteAccess(300);
            w[0] ^= (byte) 0xFF;
            tx.markDirty(300);
            assertEquals(w[0], tx.read(300)[0]);
            byte[] seenByOther = CompletableFuture.supplyAsync(() -> tm.cache().read(300)).get(10, TimeUnit.SECONDS);
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
            assertArrayEquals(before, tm.cache().read(300));
            assertArrayEquals(before, fs.readBlock(300));

            try (Transaction t2 = tm.begin()) {
                byte[] x = t2.getWriteAccess(300);
                x[0] ^= (byte) 0xFF;
                t2.markDirty(300);
                t2.commit();
            }
            assertEquals((byte) (before[0] ^ 0xFF), tm.cache().read(300)[0]);
            assertEquals((byte) (before[0] ^ 0xFF), fs.readBlock(300)[0]);
        }
    }

    @Test
    void misuseIsRefused() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = TransactionManager.inPlace(fs);
            try (Transaction tx = tm.begin()) {
                assertThrows(IllegalStateException.class, tm::begin);
                assertThrows(IllegalStateException.class, () -> tx.markDirty(300));
                tx.getWriteAccess(300);
                assertThrows(IllegalStateException.class, () -> tx.getCreateAccess(300, BlockRole.NEW));
                assertThrows(IllegalStateException.class, () -> tx.writeData(300, new byte[1024], 0, 1024));
                assertThrows(IllegalArgumentException.class, () -> tx.writeData(1, new byte[1024], 0, 1024));
                assertThrows(IllegalArgumentException.class, () -> tx.writeData(400, new byte[100], 0, 100));
                assertThrows(IllegalArgumentException.class, () -> tx.getCreateAccess(fs.blocksCount(), BlockRole.NEW));
                tx.commit();
                assertThrows(IllegalStateException.class, tx::commit);
            }
        }
        try (Ext4FileSystem ro = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class, () -> TransactionManager.inPlace(ro).begin()).errno());
        }
    }

    @Test
    void aFailedCommitMakesTheManagerRefuseFurtherTransactions() throws Exception {
        RecordingDevice dev = device();
        try (Ext4FileSystem fs = Ext4FileSystem.open(dev, OpenOptions.READ_WRITE)) {
            TransactionManager tm = TransactionManager.inPlace(fs);
            byte[] before = tm.cache().read(300);
            Transaction tx = tm.begin();
            tx.getWriteAccess(300)[0] ^= 1;
            tx.markDirty(300);
            dev.failWrites = true;
            assertEquals(Errno.EIO, assertThrows(Ext4Exception.class, tx::commit).errno());
            dev.failWrites = false;
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class, tm::begin).errno());
            assertArrayEquals(before, tm.cache().read(300), "the failed block is re-read from the device");
        }
    }

    @Test
    void pinnedBlocksSurviveEvictionAndResistOverwrite() throws Exception {
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            BlockCache cache = new BlockCache(fs, 2);
            byte[] mine = new byte[1024];
            mine[5] = 9;
            cache.install(300, mine);
            cache.pin(300);
            for (long b = 400; b < 410; b++) {
                cache.read(b);
            }
            assertEquals(3, cache.size());
            assertEquals(9, cache.read(300)[5], "a pinned block is never evicted (its home copy is stale)");
            assertThrows(IllegalStateException.class, () -> cache.invalidate(300));
            cache.unpin(300);
            assertThrows(IllegalStateException.class, () -> cache.unpin(300));
            cache.read(500);
            cache.read(501);
            assertEquals(0, cache.read(300)[5], "unpinned, evicted, and read back from the device");
        }
    }
}
