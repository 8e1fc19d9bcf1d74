package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileContent: random reads against the source files, EOF clipping, and inodes without a block map. */
class FileContentTest {
    @TempDir
    static Path shared;
    static Path src;

    @BeforeAll
    static void makeSources() throws Exception {
        src = Files.createDirectory(shared.resolve("src"));
        Path sparse = src.resolve("sparse");
        BlockMapChecks.writeAt(sparse, 5000, WriteFixture.pattern(70_000, 1));
        BlockMapChecks.writeAt(sparse, 300_000, WriteFixture.pattern(123_457, 2));
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(600_001);
        }
        Files.write(src.resolve("tiny"), "hello\n".getBytes());
        Files.createSymbolicLink(src.resolve("fast"), Path.of("tiny"));
        Files.createSymbolicLink(src.resolve("slow"), Path.of("x".repeat(100)));
    }

    @Test
    void randomReadsMatchTheSourceOnExtentAndIndirectImages() throws Exception {
        byte[] want = Files.readAllBytes(src.resolve("sparse"));
        for (String options : List.of("-t ext4", "-t ext4 -b 1024", "-t ext2 -b 1024", "-t ext3")) {
            Path img = ImageFactory.mkfs(shared.resolve("random.img"), "16M", (options + " -d " + src).split(" "));
            try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
                FileContent content = new FileContent(fs, fs.inode(new Debugfs(img).stat("/sparse").ino()));
                Random random = new Random(42);
                for (int i = 0; i < 300; i++) {
                    long pos = random.nextInt(want.length + 5000);
                    int len = random.nextInt(i % 10 == 0 ? 300_000 : 9000);
                    byte[] got = new byte[len + 10];
                    Arrays.fill(got, (byte) 0x55);
                    int n = content.read(pos, got, 5, len);
                    int expected = (int) Math.max(0, Math.min(len, want.length - pos));
                    assertEquals(expected, n, options + ": read of " + len + " at " + pos);
                    if (n > 0) {
                        assertArrayEquals(Arrays.copyOfRange(want, (int) pos, (int) pos + n), Arrays.copyOfRange(got, 5, 5 + n),
                                options + ": bytes of the read of " + len + " at " + pos);
                    }
                    assertEquals(0x55, got[4] & 0xff, "no byte written before off");
                    assertEquals(0x55, got[5 + n] & 0xff, "no byte written after the bytes read");
                }
            }
        }
    }

    @Test
    void edgesOfTheFile() throws Exception {
        Path img = ImageFactory.mkfs(shared.resolve("edges.img"), "16M", "-t", "ext4", "-d", src.toString());
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            Inode tiny = fs.inode(new Debugfs(img).stat("/tiny").ino());
            byte[] buf = new byte[100];
            assertEquals(6, FileContent.read(fs, tiny, 0, buf, 0, 100));
            assertEquals("hello\n", new String(buf, 0, 6));
            assertEquals(2, FileContent.read(fs, tiny, 4, buf, 0, 100));
            assertEquals(0, FileContent.read(fs, tiny, 6, buf, 0, 100));
            assertEquals(0, FileContent.read(fs, tiny, 1L << 50, buf, 0, 100));
            assertEquals(0, FileContent.read(fs, tiny, 0, buf, 0, 0));
            assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class, () -> FileContent.read(fs, tiny, -1, buf, 0, 1)).errno());
            assertThrows(IndexOutOfBoundsException.class, () -> FileContent.read(fs, tiny, 0, buf, 90, 20));
        }
    }

    @Test
    void symlinksAndDirectories() throws Exception {
        Path img = ImageFactory.mkfs(shared.resolve("links.img"), "16M", "-t", "ext4", "-d", src.toString());
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            Inode fast = fs.inode(new Debugfs(img).stat("/fast").ino());
            assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class, () -> BlockMap.of(fs, fast)).errno());
            Inode slow = fs.inode(new Debugfs(img).stat("/slow").ino());
            byte[] target = new byte[100];
            assertEquals(100, FileContent.read(fs, slow, 0, target, 0, 100));
            assertEquals("x".repeat(100), new String(target));
            // The root directory's first block, compared with debugfs' raw block dump of it.
            Inode root = fs.inode(Inode.ROOT_INO);
            Mapping first = BlockMap.of(fs, root).map(0, 1);
            assertEquals(Mapping.Kind.MAPPED, first.kind());
            String bmap = new Debugfs(img).run("bmap / 0").trim();
            assertEquals(Long.parseLong(bmap), first.pblk());
        }
    }

    @Test
    void inlineDataIsLeftToTheInlineReader() throws Exception {
        Path img = ImageFactory.mkfs(shared.resolve("inline.img"), "16M", "-t", "ext4", "-O", "inline_data", "-d", src.toString());
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            Inode tiny = fs.inode(new Debugfs(img).stat("/tiny").ino());
            assertEquals(Errno.EOPNOTSUPP, assertThrows(Ext4Exception.class,
                    () -> FileContent.read(fs, tiny, 0, new byte[10], 0, 10)).errno());
            assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class, () -> BlockMap.of(fs, tiny)).errno());
        }
    }
}
