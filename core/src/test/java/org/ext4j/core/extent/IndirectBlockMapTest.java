package org.ext4j.core.extent;

import static org.ext4j.core.extent.BlockMapChecks.assertWalkMatches;
import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.spi.CorruptionException.Structure;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IndirectBlockMap on ext2/ext3 images against debugfs stat's BLOCKS list and the source files. */
class IndirectBlockMapTest {
    private static final List<String> FILES = List.of("small", "single", "double", "triple", "holey");

    @TempDir
    static Path shared;
    static Path src;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeSources() throws Exception {
        src = Files.createDirectory(shared.resolve("src"));
        Files.write(src.resolve("small"), WriteFixture.pattern(5000, 1));
        // With 1 KiB blocks: 12 direct + 256 single-indirect blocks = 268 KiB.
        Files.write(src.resolve("single"), WriteFixture.pattern(200 << 10, 2));
        Files.write(src.resolve("double"), WriteFixture.pattern(300 << 10, 3));
        // One block far out needs the triple indirect block (12 + 256 + 65536 blocks is ~64 MiB).
        Path triple = src.resolve("triple");
        BlockMapChecks.writeAt(triple, 0, WriteFixture.pattern(3000, 4));
        BlockMapChecks.writeAt(triple, 80L << 20, WriteFixture.pattern(2048, 5));
        // Holes in the direct range, the single range and across into the double range.
        Path holey = src.resolve("holey");
        BlockMapChecks.writeAt(holey, 3 << 10, WriteFixture.pattern(2 << 10, 6));
        BlockMapChecks.writeAt(holey, 40 << 10, WriteFixture.pattern(10 << 10, 7));
        BlockMapChecks.writeAt(holey, 300 << 10, WriteFixture.pattern(1 << 10, 8));
        try (RandomAccessFile f = new RandomAccessFile(holey.toFile(), "rw")) {
            f.setLength(400 << 10);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t ext2 -b 1024", "-t ext3 -b 1024", "-t ext3 -b 4096", "-t ext4 -O ^extent,^64bit -b 2048"})
    void mappingsAndContentMatchDebugfs(String options) throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("indirect.img"), "16M", (options + " -d " + src).split(" "));
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            int blockSize = fs.blockSize();
            for (String name : FILES) {
                long size = Files.size(src.resolve(name));
                Inode inode = fs.inode(new Debugfs(img).stat("/" + name).ino());
                BlockMap map = BlockMap.of(fs, inode);
                assertInstanceOf(IndirectBlockMap.class, map, name);
                long[] expected = new Debugfs(img).blockMap("/" + name, (int) ((size + blockSize - 1) / blockSize));
                assertWalkMatches(map, expected, true);
                assertArrayEquals(Files.readAllBytes(src.resolve(name)), BlockMapChecks.readAll(fs, inode.ino(), 1 << 20), name);
                assertArrayEquals(Files.readAllBytes(src.resolve(name)), BlockMapChecks.readAll(fs, inode.ino(), 777), name);
            }
        }
    }

    @Test
    void sparseTripleIndirectFileIsOneHoleBetweenItsBlocks() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("ext2.img"), "16M", "-t", "ext2", "-b", "1024", "-d", src.toString());
        AtomicLong reads = new AtomicLong();
        try (Ext4FileSystem fs = BlockMapChecks.openCounting(img, reads)) {
            BlockMap map = BlockMap.of(fs, fs.inode(new Debugfs(img).stat("/triple").ino()));
            long far = (80L << 20) / 1024;
            long before = reads.get();
            assertEquals(Mapping.hole(3, far - 3), map.map(3, Long.MAX_VALUE));
            // Unallocated single and double subtrees are skipped without reading anything; the
            // triple path costs one read per level.
            assertTrue(reads.get() - before <= 3, (reads.get() - before) + " reads to find the hole");
            Mapping tail = map.map(far, 10);
            assertEquals(Mapping.Kind.MAPPED, tail.kind());
            assertEquals(2, tail.length());
            IndirectBlockMap indirect = (IndirectBlockMap) map;
            long end = indirect.addressableBlocks();
            assertEquals(12 + 256 + 256 * 256 + 256L * 256 * 256, end);
            assertEquals(Mapping.hole(far + 2, 100), map.map(far + 2, 100));
            assertEquals(Mapping.hole(end + 5, 7), map.map(end + 5, 7), "past the triple range nothing is mapped");
            assertEquals(Mapping.hole(far + 2, Long.MAX_VALUE - far - 2), map.map(far + 2, Long.MAX_VALUE));
        }
    }

    @Test
    void pointerOutsideTheFilesystemIsCorruption() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("bad.img"), "16M", "-t", "ext2", "-b", "1024", "-d", src.toString());
        // The first entry of the single indirect block of /double, from debugfs stat's "(IND):n".
        Matcher m = Pattern.compile("\\(IND\\):(\\d+)").matcher(new Debugfs(img).run("stat /double"));
        assertTrue(m.find());
        long indirect = Long.parseLong(m.group(1));
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(indirect * 1024);
            f.write(new byte[] {0, 0, 0, 0x70});
        }
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            Inode inode = fs.inode(new Debugfs(img).stat("/double").ino());
            BlockMap map = BlockMap.of(fs, inode);
            assertEquals(Mapping.Kind.MAPPED, map.map(0, 12).kind(), "the direct blocks are still fine");
            CorruptionException e = assertThrows(CorruptionException.class, () -> map.map(12, 1));
            // The first pointer of the double-indirect block now names block 0x70000000.
            assertDamage(e, Structure.SYSTEM_ZONE, inode.ino(), 0x70000000L);
            assertThrows(CorruptionException.class, () -> BlockMapChecks.readAll(fs, inode.ino(), 1 << 20));
        }
    }
}
