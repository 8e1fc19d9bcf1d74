package org.ext4j.core.extent;

import static org.ext4j.core.extent.BlockMapChecks.assertWalkMatches;
import static org.ext4j.core.extent.BlockMapChecks.leafExtents;
import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.CorruptionException.Structure;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ExtentTree against debugfs dump_extents/stat and the source files mkfs.ext4 -d copied in. */
class ExtentTreeTest {
    private static final int BLOCK = 1024;
    /** Data blocks of /frag, one every other block: thousands of extents force a deep tree. */
    private static final int FRAG_EXTENTS = 30000;

    @TempDir
    static Path shared;
    static Path src;
    static Path img;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeImage() throws Exception {
        src = Files.createDirectory(shared.resolve("src"));
        byte[] data = WriteFixture.pattern(FRAG_EXTENTS * BLOCK, 1);
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("frag").toFile(), "rw")) {
            for (int i = 0; i < FRAG_EXTENTS; i++) {
                f.seek(2L * i * BLOCK);
                f.write(data, i * BLOCK, BLOCK);
            }
        }
        Path sparse = src.resolve("sparse");
        BlockMapChecks.writeAt(sparse, 100 * BLOCK, WriteFixture.pattern(5000, 2));
        BlockMapChecks.writeAt(sparse, 300 * BLOCK + 7, WriteFixture.pattern(10, 3));
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(600 * BLOCK);
        }
        Files.write(src.resolve("big"), WriteFixture.pattern(6 << 20, 4));
        Files.write(src.resolve("empty"), new byte[0]);
        img = ImageFactory.mkfs(shared.resolve("ext4.img"), "64M", "-t", "ext4", "-b", "1024", "-d", src.toString());
    }

    @Test
    void deepTreeMatchesDumpExtents() throws Exception {
        List<Debugfs.ExtentLine> ex = new Debugfs(img).extents("/frag");
        int maxLevel = ex.get(0).maxLevel();
        assertTrue(maxLevel >= 2, "the test file should need a tree of depth >= 2, got " + maxLevel);
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            ExtentTree tree = (ExtentTree) BlockMap.of(fs, fs.inode(new Debugfs(img).stat("/frag").ino()));
            assertEquals(maxLevel, tree.depth());
            List<Mapping> extents = tree.extents();
            assertEquals(FRAG_EXTENTS, extents.size());
            assertEquals(leafExtents(ex), extents);
        }
    }

    @Test
    void everyRunMatchesDebugfsStat() throws Exception {
        for (String path : List.of("/frag", "/sparse", "/big")) {
            int blocks = (int) ((Files.size(src.resolve(path.substring(1))) + BLOCK - 1) / BLOCK);
            long[] expected = new Debugfs(img).blockMap(path, blocks);
            try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
                BlockMap map = BlockMap.of(fs, fs.inode(new Debugfs(img).stat(path).ino()));
                assertWalkMatches(map, expected, false);
            }
        }
    }

    @Test
    void holesAtStartMiddleAndEnd() throws Exception {
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            BlockMap map = BlockMap.of(fs, fs.inode(new Debugfs(img).stat("/sparse").ino()));
            assertEquals(Mapping.hole(0, 100), map.map(0, 600));
            assertEquals(Mapping.hole(3, 97), map.map(3, 600));
            assertEquals(Mapping.hole(3, 10), map.map(3, 10), "a hole is clipped to maxLen");
            Mapping data = map.map(100, 600);
            assertEquals(Mapping.Kind.MAPPED, data.kind());
            assertEquals(5, data.length());
            assertEquals(Mapping.hole(105, 195), map.map(105, 1000));
            assertEquals(Mapping.hole(301, 299), map.map(301, 299), "the tail hole up to i_size");
            assertEquals(Mapping.hole(301, 1L << 40), map.map(301, 1L << 40), "nothing is mapped after the last extent");
            assertEquals(Mapping.hole(1L << 33, 5), map.map(1L << 33, 5), "past 2^32 nothing can be mapped");
        }
    }

    @Test
    void contentEqualsSourceFiles() throws Exception {
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            for (String name : List.of("frag", "sparse", "big", "empty")) {
                byte[] want = Files.readAllBytes(src.resolve(name));
                assertArrayEquals(want, BlockMapChecks.readAll(fs, new Debugfs(img).stat("/" + name).ino(), 1 << 20), name);
                assertArrayEquals(want, BlockMapChecks.readAll(fs, new Debugfs(img).stat("/" + name).ino(), 3001), name + " in odd-sized reads");
            }
        }
    }

    @Test
    void sequentialLookupsReadEachLeafOnce() throws Exception {
        List<Debugfs.ExtentLine> ex = new Debugfs(img).extents("/frag");
        int depth = ex.get(0).maxLevel();
        long leaves = ex.stream().filter(l -> l.level() == depth - 1).count();
        AtomicLong reads = new AtomicLong();
        try (Ext4FileSystem fs = BlockMapChecks.openCounting(img, reads)) {
            Inode inode = fs.inode(new Debugfs(img).stat("/frag").ino());
            BlockMap map = BlockMap.of(fs, inode);
            long before = reads.get();
            for (long lblk = 0; lblk < 2L * FRAG_EXTENTS; lblk++) {
                map.map(lblk, 1);
            }
            long used = reads.get() - before;
            // One walk from the root per leaf: depth reads each (index blocks are not cached).
            assertTrue(used <= leaves * depth, used + " block reads for " + leaves + " leaves at depth " + depth);
        }
    }

    @Test
    void contiguousFileReadsInOneDeviceReadPerExtent() throws Exception {
        int extents = leafExtents(new Debugfs(img).extents("/big")).size();
        AtomicLong reads = new AtomicLong();
        try (Ext4FileSystem fs = BlockMapChecks.openCounting(img, reads)) {
            Inode inode = fs.inode(new Debugfs(img).stat("/big").ino());
            FileContent content = new FileContent(fs, inode);
            byte[] all = new byte[(int) inode.size()];
            long before = reads.get();
            assertEquals(all.length, content.read(0, all, 0, all.length));
            long used = reads.get() - before;
            // A depth-1 tree adds one leaf read; the data itself is one read per extent.
            assertTrue(used <= extents + 1, used + " device reads for " + extents + " extents");
            assertArrayEquals(Files.readAllBytes(src.resolve("big")), all);
        }
    }

    @Test
    void badMagicInATreeBlockIsCorruption() throws Exception {
        long block = firstChildBlock();
        Path bad = patch(block, 0, (byte) 0x0B);
        CorruptionException e = assertThrows(CorruptionException.class, () -> walkAll(bad));
        assertDamage(e, Structure.EXTENT_TREE, new Debugfs(img).stat("/frag").ino(), block);
    }

    @Test
    void badChecksumInATreeBlockIsCorruption() throws Exception {
        long block = firstChildBlock();
        // The tail checksum sits right after eh_max entries.
        int tail;
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            tail = 12 + 12 * LittleEndian.u16(fs.readBlock(block), 4);
        }
        CorruptionException e = assertThrows(CorruptionException.class, () -> walkAll(patch(block, tail, (byte) 0x5A)));
        long ino = new Debugfs(img).stat("/frag").ino();
        assertDamage(e, Structure.EXTENT_TREE, ino, block);
        // A changed extent entry without a new checksum is caught the same way.
        CorruptionException entry = assertThrows(CorruptionException.class, () -> walkAll(patch(block, 12 + 4, (byte) 0x01)));
        assertDamage(entry, Structure.EXTENT_TREE, ino, block);
    }

    @Test
    void wrongChildDepthIsCorruption() throws Exception {
        long block = firstChildBlock();
        // The child of the root has eh_depth = root depth - 1; flipping a low bit breaks that.
        CorruptionException e = assertThrows(CorruptionException.class, () -> walkAll(patch(block, 6, (byte) 0x04)));
        assertDamage(e, Structure.EXTENT_TREE, new Debugfs(img).stat("/frag").ino(), block);
    }

    @Test
    void rootDepthOverFiveIsCorruption() throws Exception {
        Path bad = Files.copy(img, dir.resolve("deep.img"));
        // i_block[1] holds eh_max (low half) and eh_depth (high half) of the root header; debugfs
        // sif rewrites the inode checksum, so only the extent check can object.
        new Debugfs(bad).write(List.of("sif /sparse block[1] 0x00090004"));
        try (Ext4FileSystem fs = BlockMapChecks.open(bad)) {
            Inode inode = fs.inode(new Debugfs(bad).stat("/sparse").ino());
            CorruptionException e = assertThrows(CorruptionException.class, () -> BlockMap.of(fs, inode));
            // The root lives in the inode: no block of its own.
            assertDamage(e, Structure.EXTENT_TREE, inode.ino(), CorruptionException.NO_BLOCK);
        }
    }

    @Test
    void extentOutsideTheFilesystemIsCorruption() throws Exception {
        Path plain = Files.createDirectory(dir.resolve("plain"));
        BlockMapChecks.writeAt(plain.resolve("f"), 0, WriteFixture.pattern(3 * BLOCK, 5));
        Path image = ImageFactory.mkfs(dir.resolve("nocsum.img"), "8M", "-t", "ext4", "-b", "1024", "-O", "^metadata_csum", "-d", plain.toString());
        // i_block[5] is ee_start_lo of the root's only extent.
        new Debugfs(image).write(List.of("sif /f block[5] 0x7fffff00"));
        try (Ext4FileSystem fs = BlockMapChecks.open(image)) {
            Inode inode = fs.inode(new Debugfs(image).stat("/f").ino());
            CorruptionException e = assertThrows(CorruptionException.class, () -> BlockMap.of(fs, inode));
            assertDamage(e, Structure.SYSTEM_ZONE, inode.ino(), 0x7fffff00L);
        }
    }

    /** The first tree block under the root of /frag. */
    private static long firstChildBlock() throws Exception {
        return new Debugfs(img).extents("/frag").get(0).pblk();
    }

    /** A copy of the image with one byte of {@code block} flipped by {@code xor}. */
    private Path patch(long block, int offset, byte xor) throws IOException {
        Path bad = Files.copy(img, dir.resolve("bad-" + block + "-" + offset + ".img"));
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            long at = block * BLOCK + offset;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ (xor & 0xff));
        }
        return bad;
    }

    /** Maps every block of /frag and lists its extents: touches every tree block. */
    private static void walkAll(Path image) throws Exception {
        try (Ext4FileSystem fs = BlockMapChecks.open(image)) {
            ExtentTree tree = (ExtentTree) BlockMap.of(fs, fs.inode(new Debugfs(image).stat("/frag").ino()));
            for (long lblk = 0; lblk < 2L * FRAG_EXTENTS; lblk = tree.map(lblk, Long.MAX_VALUE).lblkEnd()) {
                assertInstanceOf(Mapping.class, tree.map(lblk, 1));
            }
            tree.extents();
        }
    }
}
