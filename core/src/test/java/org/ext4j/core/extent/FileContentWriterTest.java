package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FileContentWriter and BlockMapWriter against an in-memory model of each file's bytes: after every
 * scenario the image must pass e2fsck -fn, and debugfs dump, a kernel read-only mount and
 * debugfs "ex" must agree with the model and with our own reader.
 */
class FileContentWriterTest {
    @TempDir
    Path dir;

    record Variant(String name, String options, boolean extents) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(
                new Variant("ext4-4k", "-t ext4 -b 4096", true),
                new Variant("ext4-1k", "-t ext4 -b 1024", true),
                new Variant("ext4-no-csum", "-t ext4 -O ^metadata_csum", true),
                new Variant("ext3", "-t ext3", false),
                new Variant("ext2-1k", "-t ext2 -b 1024", false));
    }

    /** The expected bytes of one file. */
    static final class Model {
        byte[] bytes = new byte[0];
        long size;

        void ensure(long n) {
            if (n > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.max(n, bytes.length * 2L));
            }
        }

        void write(long pos, byte[] data) {
            ensure(pos + data.length);
            System.arraycopy(data, 0, bytes, (int) pos, data.length);
            size = Math.max(size, pos + data.length);
        }

        void truncate(long n) {
            ensure(n);
            if (n < size) {
                Arrays.fill(bytes, (int) n, (int) size, (byte) 0);
            }
            size = n;
        }

        void zero(long from, long to) {
            ensure(to);
            Arrays.fill(bytes, (int) from, (int) to, (byte) 0);
        }

        byte[] content() {
            return Arrays.copyOf(bytes, (int) size);
        }
    }

    private static Map<String, byte[]> seedFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a", new byte[0]);
        files.put("b", WriteFixture.pattern(5000, 1));
        files.put("c", WriteFixture.pattern(70_000, 2));
        return files;
    }

    /** Checks e2fsck, then each file's content (debugfs dump, kernel mount), extents and i_blocks. */
    private void verify(WriteFixture f, Map<String, Model> models, boolean extents) throws Exception {
        f.assertClean();
        for (Map.Entry<String, Model> e : models.entrySet()) {
            byte[] dumped = f.dump(e.getKey());
            byte[] expected = e.getValue().content();
            assertTrue(Arrays.equals(expected, dumped), e.getKey() + " (debugfs dump): " + WriteFixture.firstDifference(expected, dumped));
        }
        Map<String, byte[]> kernel = WriteFixture.kernelRead(f.image, new ArrayList<>(models.keySet()));
        if (kernel != null) {
            for (Map.Entry<String, Model> e : models.entrySet()) {
                byte[] expected = e.getValue().content();
                assertTrue(Arrays.equals(expected, kernel.get(e.getKey())),
                        e.getKey() + " (kernel): " + WriteFixture.firstDifference(expected, kernel.get(e.getKey())));
            }
        }
        try (WriteFixture g = f.reopen()) {
            for (String name : models.keySet()) {
                Inode inode = g.fs.inode(g.ino(name));
                if (extents) {
                    assertEquals(f.debugfsExtents(name), new ExtentTree(g.fs, inode).extents(), "extents of " + name);
                }
                assertEquals(f.blockCount(name), inode.blocks512(true, g.fs.blockSize()), "i_blocks of " + name);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void randomOperationsMatchTheModel(Variant v) throws Exception {
        Map<String, byte[]> seed = seedFiles();
        Map<String, Model> models = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : seed.entrySet()) {
            Model m = new Model();
            m.write(0, e.getValue());
            models.put(e.getKey(), m);
        }
        Random rnd = new Random(v.name().hashCode());
        WriteFixture f = WriteFixture.create(dir, "64M", v.options(), seed);
        try {
            int bs = f.fs.blockSize();
            long span = 600L * bs;
            FileContentWriter writer = new FileContentWriter(f.allocator, false);
            Map<String, Long> inos = new LinkedHashMap<>();
            for (String name : models.keySet()) {
                inos.put(name, f.ino(name));
            }
            for (int round = 0; round < 12; round++) {
                try (Transaction tx = f.tm.begin()) {
                    for (int op = 0; op < 15; op++) {
                        String name = new ArrayList<>(models.keySet()).get(rnd.nextInt(models.size()));
                        long ino = inos.get(name);
                        Model m = models.get(name);
                        int kind = rnd.nextInt(v.extents() ? 10 : 7);
                        long pos = (long) (rnd.nextDouble() * span);
                        if (rnd.nextBoolean()) {
                            pos -= pos % bs;
                        }
                        int len = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 * bs : 3 * bs);
                        switch (kind) {
                            case 0, 1, 2, 3 -> {
                                byte[] data = WriteFixture.pattern(len, rnd.nextLong());
                                writer.write(tx, ino, pos, data, 0, len);
                                m.write(pos, data);
                            }
                            case 4 -> {
                                long n = rnd.nextBoolean() ? m.size / 2 + rnd.nextInt(bs) : pos;
                                writer.truncate(tx, ino, n);
                                m.truncate(n);
                            }
                            case 5, 6 -> {
                                writer.punchHole(tx, ino, pos, len);
                                m.zero(Math.min(pos, m.size), Math.min(pos + len, m.size));
                            }
                            case 7, 8 -> {
                                boolean keep = rnd.nextBoolean();
                                writer.zeroRange(tx, ino, pos, len, keep);
                                m.zero(pos, pos + len);
                                if (!keep) {
                                    m.size = Math.max(m.size, pos + len);
                                }
                            }
                            default -> {
                                boolean keep = rnd.nextBoolean();
                                long lblk = pos / bs;
                                long count = 1 + len / bs;
                                writer.preallocate(tx, ino, lblk, count, keep);
                                if (!keep) {
                                    m.ensure((lblk + count) * bs);
                                    m.size = Math.max(m.size, (lblk + count) * bs);
                                }
                            }
                        }
                    }
                    tx.commit();
                }
            }
            f.close();
            verify(f, models, v.extents());
        } finally {
            f.close();
        }
    }

    /** Every other block written: many extents, a tree of depth 2, then filled in and removed again. */
    @Test
    void deepTreeGrowsAndShrinks() throws Exception {
        WriteFixture f = WriteFixture.create(dir, "64M", "-t ext4 -b 1024", Map.of("a", new byte[0], "sep", new byte[0]));
        try {
            long freeBefore = freeBlocks(f);
            int bs = f.fs.blockSize();
            long ino = f.ino("a");
            long sep = f.ino("sep");
            Model sepModel = new Model();
            Model m = new Model();
            FileContentWriter writer = new FileContentWriter(f.allocator, false);
            byte[] block = WriteFixture.pattern(bs, 7);
            try (Transaction tx = f.tm.begin()) {
                for (long b = 0; b < 1600; b += 2) {
                    writer.write(tx, ino, b * bs, block, 0, bs);
                    m.write(b * bs, block);
                    // A block of another file between them, so that they are not physically contiguous.
                    writer.write(tx, sep, b / 2 * bs, block, 0, bs);
                    sepModel.write(b / 2 * bs, block);
                }
                tx.commit();
            }
            f.close();
            assertEquals(2, f.debugfsDepth("a"));
            assertEquals(800, f.debugfsExtents("a").size());
            verify(f, Map.of("a", m, "sep", sepModel), true);
            // Punch every fourth block: extents vanish, leaves shrink; then fill all the gaps.
            try (WriteFixture g = f.reopen(); Transaction tx = g.tm.begin()) {
                FileContentWriter w = new FileContentWriter(g.allocator, false);
                for (long b = 0; b < 1600; b += 4) {
                    w.punchHole(tx, ino, b * bs, bs);
                    m.zero(b * bs, (b + 1) * bs);
                }
                tx.commit();
            }
            verify(f, Map.of("a", m), true);
            try (WriteFixture g = f.reopen(); Transaction tx = g.tm.begin()) {
                FileContentWriter w = new FileContentWriter(g.allocator, false);
                byte[] run = WriteFixture.pattern(1600 * bs, 8);
                w.write(tx, ino, 0, run, 0, run.length);
                m.write(0, run);
                tx.commit();
            }
            verify(f, Map.of("a", m), true);
            try (WriteFixture g = f.reopen(); Transaction tx = g.tm.begin()) {
                new FileContentWriter(g.allocator, false).truncate(tx, ino, 0);
                m.truncate(0);
                tx.commit();
            }
            verify(f, Map.of("a", m), true);
            assertEquals(0, f.debugfsDepth("a"));
            assertEquals(List.of(), f.debugfsExtents("a"));
            assertEquals(0, f.blockCount("a"));
            // The separator file's blocks stay allocated; everything else came back.
            assertEquals(freeBefore - f.blockCount("sep") / (bs / 512), freeBlocks(f));
        } finally {
            f.close();
        }
    }

    private static long freeBlocks(WriteFixture f) {
        String out = Tools.runOk(List.of("dumpe2fs", "-h", f.image.toString())).stdout();
        for (String line : out.split("\n")) {
            if (line.startsWith("Free blocks:")) {
                return Long.parseLong(line.substring("Free blocks:".length()).trim());
            }
        }
        throw new AssertionError("no free block count in dumpe2fs -h");
    }

    /** A device that counts writes, to see how many data writes a sequential file costs. */
    @Test
    void sequentialWriteMakesFewLargeExtents() throws Exception {
        WriteFixture f = WriteFixture.create(dir, "300M", "-t ext4", Map.of("big", new byte[0]));
        try {
            long ino = f.ino("big");
            int chunk = 1 << 20;
            int chunks = 192;
            byte[] data = WriteFixture.pattern(chunk, 3);
            FileContentWriter writer = new FileContentWriter(f.allocator, false);
            Model m = new Model();
            long maxWrites = 0;
            long maxBulk = 0;
            long start = System.nanoTime();
            for (int c = 0; c < chunks; c++) {
                long before = f.device.writes;
                long bulkBefore = f.device.bulkWrites;
                try (Transaction tx = f.tm.begin()) {
                    data[0] = (byte) c;
                    writer.write(tx, ino, (long) c * chunk, data, 0, chunk);
                    tx.commit();
                }
                maxWrites = Math.max(maxWrites, f.device.writes - before);
                maxBulk = Math.max(maxBulk, f.device.bulkWrites - bulkBefore);
                m.write((long) c * chunk, data);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println("sequential write: " + chunks + " MiB in " + millis + " ms, at most " + maxWrites + " device writes ("
                    + maxBulk + " of data) per chunk");
            // One data write per chunk (two where a group's metadata splits the run); the rest is
            // metadata written block by block: inode table, bitmaps, descriptors, superblock, a leaf.
            assertTrue(maxBulk <= 2, "data writes per 1 MiB chunk: " + maxBulk);
            assertTrue(maxWrites <= 16, "device writes per 1 MiB chunk: " + maxWrites);
            f.close();
            List<Mapping> ex = f.debugfsExtents("big");
            long blocks = (long) chunks * chunk / f.fs.blockSize();
            // 32768 blocks per initialized extent at most; a few more where block groups' metadata interrupts.
            assertTrue(ex.size() <= blocks / 32768 + 8, "too many extents: " + ex.size() + " " + ex);
            verify(f, Map.of("big", m), true);
        } finally {
            f.close();
        }
    }

    @Test
    void preallocateThenWriteSplitsUnwrittenExtents() throws Exception {
        WriteFixture f = WriteFixture.create(dir, "32M", "-t ext4", Map.of("p", new byte[0]));
        try {
            int bs = f.fs.blockSize();
            long ino = f.ino("p");
            FileContentWriter writer = new FileContentWriter(f.allocator, false);
            Model m = new Model();
            long start;
            try (Transaction tx = f.tm.begin()) {
                writer.preallocate(tx, ino, 0, 100, true);
                start = BlockMapWriter.of(tx, ino).map(0, 1).pblk();
                byte[] d = WriteFixture.pattern(10 * bs + 100, 4);
                writer.write(tx, ino, 20L * bs, d, 0, d.length);
                m.write(20L * bs, d);
                tx.commit();
            }
            f.close();
            assertEquals(List.of(
                    new Mapping(0, start, 20, Mapping.Kind.UNWRITTEN),
                    new Mapping(20, start + 20, 11, Mapping.Kind.MAPPED),
                    new Mapping(31, start + 31, 69, Mapping.Kind.UNWRITTEN)), f.debugfsExtents("p"));
            verify(f, Map.of("p", m), true);
            try (WriteFixture g = f.reopen(); Transaction tx = g.tm.begin()) {
                FileContentWriter w = new FileContentWriter(g.allocator, false);
                // Writing the rest merges everything into one written extent.
                byte[] a = WriteFixture.pattern(20 * bs, 5);
                w.write(tx, ino, 0, a, 0, a.length);
                m.write(0, a);
                byte[] b = WriteFixture.pattern(69 * bs, 6);
                w.write(tx, ino, 31L * bs, b, 0, b.length);
                m.write(31L * bs, b);
                tx.commit();
            }
            assertEquals(List.of(new Mapping(0, start, 100, Mapping.Kind.MAPPED)), f.debugfsExtents("p"));
            verify(f, Map.of("p", m), true);
        } finally {
            f.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void enospcChangesNothing(Variant v) throws Exception {
        WriteFixture f = WriteFixture.create(dir, "8M", v.options(), seedFiles());
        try {
            long freeBefore = freeBlocks(f);
            long ino = f.ino("b");
            byte[] before = f.dump("b");
            byte[] huge = new byte[16 << 20];
            try (Transaction tx = f.tm.begin()) {
                Ext4Exception e = assertThrows(Ext4Exception.class,
                        () -> new FileContentWriter(f.allocator, true).write(tx, ino, 100, huge, 0, huge.length));
                assertEquals(Errno.ENOSPC, e.errno());
                tx.abort();
            }
            f.close();
            f.assertClean();
            assertEquals(freeBefore, freeBlocks(f));
            assertArrayEquals(before, f.dump("b"));
        } finally {
            f.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void limitsAndUnsupportedModes(Variant v) throws Exception {
        WriteFixture f = WriteFixture.create(dir, "16M", v.options(), seedFiles());
        try {
            long ino = f.ino("a");
            FileContentWriter writer = new FileContentWriter(f.allocator, false);
            long max = FileContentWriter.maxFileSize(f.fs.superblock(), v.extents());
            try (Transaction tx = f.tm.begin()) {
                assertEquals(Errno.EFBIG, assertThrows(Ext4Exception.class,
                        () -> writer.write(tx, ino, max - 1, new byte[2], 0, 2)).errno());
                assertEquals(Errno.EFBIG, assertThrows(Ext4Exception.class, () -> writer.truncate(tx, ino, max + 1)).errno());
                if (!v.extents()) {
                    assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class,
                            () -> writer.preallocate(tx, ino, 0, 4, false)).errno());
                    assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class,
                            () -> writer.zeroRange(tx, ino, 0, 4, false)).errno());
                }
                // The last byte below the limit is writable: a sparse file of the maximum size.
                writer.write(tx, ino, max - 1, new byte[] {42}, 0, 1);
                tx.commit();
            }
            f.close();
            f.assertClean();
            assertEquals(max, new org.ext4j.core.testing.Debugfs(f.image).stat("/a").size());
            try (WriteFixture g = f.reopen(); Transaction tx = g.tm.begin()) {
                new FileContentWriter(g.allocator, false).truncate(tx, ino, 0);
                tx.commit();
            }
            f.assertClean();
            assertEquals(0, f.blockCount("a"));
            Inode a = f.reopen().fs.inode(ino);
            assertEquals(v.extents(), a.hasFlag(InodeFlags.EXT4_EXTENTS_FL));
        } finally {
            f.close();
        }
    }
}
