package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile images: random bytes of an inode's i_block and of its tree or indirect blocks are
 * changed (on images without checksums, so the changes reach the parser). Every lookup, listing
 * and read must either work or throw CorruptionException: never another exception, never hang.
 */
class BlockMapFuzzTest {
    private static final int ROUNDS = 400;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-t ext4 -b 1024 -O ^metadata_csum", "-t ext2 -b 1024"})
    void damagedMapsFailCleanly(String options) throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("f").toFile(), "rw")) {
            byte[] block = WriteFixture.pattern(1024, 1);
            for (int i = 0; i < 1500; i++) {
                f.seek(2L * i * 1024);
                f.write(block);
            }
            f.seek(80L << 20);
            f.write(block);
        }
        Path img = ImageFactory.mkfs(dir.resolve("fuzz.img"), "16M", (options + " -d " + src).split(" "));
        long ino = new Debugfs(img).stat("/f").ino();
        List<Long> targets = metadataBytes(img, "/f");
        byte[] image = Files.readAllBytes(img);
        Random random = new Random(7);
        int noticed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] copy = image.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                int at = (int) (long) targets.get(random.nextInt(targets.size()));
                copy[at] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : (byte) (copy[at] ^ (1 << random.nextInt(8)));
            }
            try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(copy, true), OpenOptions.READ_ONLY)) {
                exercise(fs, ino);
            } catch (CorruptionException expected) {
                noticed++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("round " + round + ": " + e, e);
            }
        }
        // Some damage is harmless (a changed physical block number, eh_generation), much is not.
        assertTrue(noticed > ROUNDS / 10, "only " + noticed + " of " + ROUNDS + " damaged maps were noticed");
    }

    private static void exercise(Ext4FileSystem fs, long ino) {
        Inode inode = fs.inode(ino);
        BlockMap map = BlockMap.of(fs, inode);
        if (map instanceof ExtentTree tree) {
            tree.extents();
        }
        long lblk = 0;
        for (int i = 0; i < 5000 && lblk < (1L << 32); i++) {
            lblk = map.map(lblk, Long.MAX_VALUE).lblkEnd();
        }
        byte[] buf = new byte[1 << 20];
        new FileContent(fs, inode).read(0, buf, 0, buf.length);
        new FileContent(fs, inode).read(80L << 20, buf, 0, 4096);
    }

    /** Byte offsets of the inode's i_block and of every tree or indirect block of {@code path}. */
    private static List<Long> metadataBytes(Path img, String path) throws Exception {
        List<Long> offsets = new ArrayList<>();
        Matcher at = Pattern.compile("located at block (\\d+), offset 0x([0-9a-f]+)").matcher(new Debugfs(img).run("imap " + path));
        if (!at.find()) {
            throw new AssertionError("debugfs imap printed no location");
        }
        long inodeOffset = Long.parseLong(at.group(1)) * 1024 + Long.parseLong(at.group(2), 16);
        for (int i = 0; i < 60; i++) {
            offsets.add(inodeOffset + 0x28 + i);
        }
        Matcher meta = Pattern.compile("\\((?:ETB\\d+|IND|DIND|TIND)\\):(\\d+)").matcher(new Debugfs(img).run("stat " + path));
        while (meta.find()) {
            long block = Long.parseLong(meta.group(1));
            for (int i = 0; i < 1024; i++) {
                offsets.add(block * 1024 + i);
            }
        }
        return offsets;
    }
}
