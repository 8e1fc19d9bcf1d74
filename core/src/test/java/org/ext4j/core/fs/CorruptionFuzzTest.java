package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile images: thousands of copies of mkfs-made images with random bytes of their metadata
 * flipped, each walked completely. Every case must end in an {@link Ext4Exception} or a
 * completed walk; a hang, an unchecked exception, a StackOverflowError or an OutOfMemoryError
 * fails the test with the seed that reproduces it.
 */
class CorruptionFuzzTest {
    private static final int CASES_PER_VARIANT = Integer.getInteger("ext4j.fuzz.cases", 260);
    private static final long SEED = Long.getLong("ext4j.fuzz.seed", 20261124L);
    private static final List<String[]> VARIANTS = List.of(
            new String[] {"-t", "ext4", "-b", "1024", "-O", "^metadata_csum"},
            new String[] {"-t", "ext4", "-b", "1024"},
            new String[] {"-t", "ext4", "-b", "1024", "-I", "256", "-O", "inline_data,^metadata_csum"},
            new String[] {"-t", "ext2", "-b", "1024"});

    private static Path work;
    private static ExecutorService runner;

    @BeforeAll
    static void setUp() throws IOException {
        work = Files.createTempDirectory("ext4j-fuzz");
        runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-walk");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void tearDown() throws IOException {
        runner.shutdownNow();
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void corruptedMetadataNeverCrashesOrHangs() throws Exception {
        Path tree = work.resolve("tree");
        buildTree(tree);
        Map<String, Integer> outcomes = new TreeMap<>();
        int total = 0;
        for (int v = 0; v < VARIANTS.size(); v++) {
            byte[] image = makeImage(tree, v);
            List<Long> targets = metadataBlocks(image);
            assertTrue(targets.size() > 10, "too few metadata blocks found in variant " + v);
            Random rnd = new Random(SEED + v);
            for (int c = 0; c < CASES_PER_VARIANT; c++) {
                long caseSeed = rnd.nextLong();
                byte[] copy = corrupt(image, targets, caseSeed);
                String outcome = runCase(copy, "variant " + v + " (" + String.join(" ", VARIANTS.get(v)) + ") case seed " + caseSeed);
                outcomes.merge(outcome, 1, Integer::sum);
                total++;
            }
        }
        System.out.println("corruption fuzz: " + total + " images, outcomes " + outcomes);
        assertTrue(total >= 1000, "at least 1000 corrupted images must be walked");
    }

    /**
     * The pristine images must walk without any error, and every variant must show the tree it
     * was made from: the same names with the same contents (file bytes, symlink targets), plus
     * the lost+found that mke2fs adds.
     */
    @Test
    void pristineImagesWalkCleanly() throws Exception {
        Path tree = work.resolve("tree-clean");
        buildTree(tree);
        long expectedEntries = 1;
        long expectedSum = VolumeWalker.entryChecksum("lost+found".getBytes(StandardCharsets.UTF_8), new byte[0]);
        try (var paths = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) paths.filter(p -> !p.equals(tree))::iterator) {
                byte[] content = Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8)
                        : Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0];
                expectedEntries++;
                expectedSum += VolumeWalker.entryChecksum(p.getFileName().toString().getBytes(StandardCharsets.UTF_8), content);
            }
        }
        for (int v = 0; v < VARIANTS.size(); v++) {
            byte[] image = makeImage(tree, v);
            try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(image, true), OpenOptions.READ_ONLY)) {
                VolumeWalker walker = new VolumeWalker(PosixFileSystem.of(fs), 1 << 20);
                walker.walk();
                String variant = "variant " + String.join(" ", VARIANTS.get(v));
                assertEquals(expectedEntries, walker.entries(), variant + ": names seen");
                assertEquals(expectedSum, walker.entrySum(), variant + ": names and contents seen");
            }
        }
    }

    private String runCase(byte[] image, String label) throws InterruptedException {
        Future<String> f = runner.submit(() -> {
            try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(image, true), OpenOptions.READ_ONLY)) {
                new VolumeWalker(PosixFileSystem.of(fs), 1 << 20).walk();
                return "walked";
            } catch (Ext4Exception e) {
                return e.errno().name();
            }
        });
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail("walk hung (> 20 s) on " + label);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            AssertionError err = new AssertionError("unexpected " + cause + " on " + label, cause);
            throw err;
        }
        return null;
    }

    private static byte[] corrupt(byte[] image, List<Long> targets, long seed) {
        Random r = new Random(seed);
        byte[] copy = image.clone();
        int blocks = 1 + r.nextInt(2);
        for (int b = 0; b < blocks; b++) {
            long block = targets.get(r.nextInt(targets.size()));
            int flips = 1 + r.nextInt(8);
            for (int i = 0; i < flips; i++) {
                int off = (int) (block * 1024 + r.nextInt(1024));
                switch (r.nextInt(3)) {
                    case 0 -> copy[off] ^= (byte) (1 << r.nextInt(8));
                    case 1 -> copy[off] = (byte) r.nextInt(256);
                    default -> copy[off] = (byte) (r.nextBoolean() ? 0xff : 0);
                }
            }
        }
        return copy;
    }

    /** Non-zero blocks that are not regular-file data: superblocks, descriptors, tables, directories, extents, xattrs. */
    private static List<Long> metadataBlocks(byte[] image) throws IOException {
        Set<Long> data = new HashSet<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(image, true), OpenOptions.READ_ONLY)) {
            InodeFileSystem vol = PosixFileSystem.of(fs);
            collectData(vol, InodeFileSystem.ROOT_INO, data, new HashSet<>());
        }
        List<Long> out = new ArrayList<>();
        for (long b = 1; b < image.length / 1024; b++) {
            if (!data.contains(b) && !isZero(image, (int) b * 1024)) {
                out.add(b);
            }
        }
        return out;
    }

    private static void collectData(InodeFileSystem vol, long dir, Set<Long> data, Set<Long> seen) {
        if (!seen.add(dir)) {
            return;
        }
        long h = vol.opendir(Caller.ROOT, dir);
        long off = 0;
        List<DirectoryEntry> batch;
        while (!(batch = vol.readdir(dir, h, off, 256)).isEmpty()) {
            for (DirectoryEntry e : batch) {
                String n = e.nameString();
                if (n.equals(".") || n.equals("..")) {
                    continue;
                }
                Attributes a = vol.getattr(e.ino());
                if (a.type() == FileType.DIRECTORY) {
                    collectData(vol, a.ino(), data, seen);
                } else if (a.type() == FileType.REGULAR) {
                    for (MappedExtent m : vol.mapBlocks(a.ino(), 0, a.size())) {
                        if (m.kind() == MappedExtent.Kind.MAPPED) {
                            for (long b = m.deviceOffset() / 1024; b < (m.deviceOffset() + m.length()) / 1024; b++) {
                                data.add(b);
                            }
                        }
                    }
                }
            }
            off = batch.get(batch.size() - 1).nextOffset();
        }
    }

    private static boolean isZero(byte[] image, int off) {
        for (int i = off; i < off + 1024; i++) {
            if (image[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] makeImage(Path tree, int variant) throws IOException, InterruptedException {
        Path img = work.resolve("v" + variant + ".img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0", "-N", "400", "-d", tree.toString()));
        cmd.addAll(List.of(VARIANTS.get(variant)));
        cmd.addAll(List.of(img.toString(), "3M"));
        run(cmd);
        // Index the big directory as the kernel would have.
        Process fsck = new ProcessBuilder("e2fsck", "-fyD", img.toString()).redirectErrorStream(true).start();
        fsck.getInputStream().readAllBytes();
        int rc = fsck.waitFor();
        assertTrue(rc <= 1, "e2fsck -fyD failed with " + rc);
        return Files.readAllBytes(img);
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + " failed: " + out);
    }

    /** A small tree touching every structure: htree directory, symlinks, xattrs, holes, tiny files. */
    static void buildTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("big"));
        Random r = new Random(7);
        for (int i = 0; i < 150; i++) {
            Files.writeString(root.resolve("big").resolve("entry-with-a-longish-name-" + i), "v" + i);
        }
        Files.createDirectories(root.resolve("a/b/c/d"));
        Files.writeString(root.resolve("a/b/c/d/deep.txt"), "deep\n");
        byte[] big = new byte[300_000];
        r.nextBytes(big);
        Files.write(root.resolve("data.bin"), big);
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("sparse.bin").toFile(), "rw")) {
            f.seek(200_000);
            f.write(big, 0, 5000);
            f.seek(600_000);
            f.write(big, 0, 10);
        }
        for (int size : new int[] {0, 1, 59, 60, 61, 100, 1500}) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            Files.write(root.resolve("small-" + size), b);
        }
        Files.createSymbolicLink(root.resolve("fast-link"), Path.of("a/b/c/d/deep.txt"));
        Files.createSymbolicLink(root.resolve("slow-link"), Path.of("a/".repeat(40) + "target"));
        Files.createLink(root.resolve("hard-link"), root.resolve("small-100"));
        UserDefinedFileAttributeView xv = Files.getFileAttributeView(root.resolve("data.bin"), UserDefinedFileAttributeView.class);
        xv.write("small", ByteBuffer.wrap("value".getBytes(StandardCharsets.UTF_8)));
        byte[] large = new byte[700];
        r.nextBytes(large);
        xv.write("large", ByteBuffer.wrap(large));
    }
}
