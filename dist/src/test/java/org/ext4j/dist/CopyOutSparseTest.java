package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cp out of an image keeps holes: the data ranges of each copy on the host (as xfs_io's
 * SEEK_DATA/SEEK_HOLE walk finds them) are those the kernel's ext4 reports for the file in the
 * image, and a copy whose data does not fit where it goes is refused before anything is
 * written. The copies go to small tmpfs mounts (so root), which a copy writing holes as zeros
 * fills at once instead of the host's disk.
 */
class CopyOutSparseTest {
    /** 15 TiB: under ext4's limit of 16 TiB less one block with 4 KiB blocks, in the image and on the host. */
    static final long HUGE = 15L << 40;
    static final long ISLANDS = (50L << 20) + 7;

    @TempDir
    static Path tmp;
    static Path src;
    static Path img;
    static String image;

    @BeforeAll
    static void build() throws Exception {
        assertTrue(HostSystem.isRoot(), "CopyOutSparseTest must run as root: it mounts small tmpfs filesystems and the image");
        src = Files.createDirectories(tmp.resolve("src"));
        Random r = new Random(3);
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("huge").toFile(), "rw")) {
            write(f, 0, random(r, 5000));
            write(f, (1L << 40) + 123, random(r, 9000));
            write(f, HUGE - 10, random(r, 10));
            f.setLength(HUGE);
        }
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("islands").toFile(), "rw")) {
            write(f, 0, random(r, 100_000));
            write(f, (10L << 20) + 5, random(r, 4096 + 17));
            write(f, (30L << 20) + 1, random(r, (1 << 20) - 1));
            f.setLength(ISLANDS);
        }
        Files.write(src.resolve("dense"), random(r, 2 << 20));
        img = ImageFactory.mkfs(tmp.resolve("sparse.img"), "64M", "-b", "4096", "-d", src.toString());
        image = img.toString();
        // Unwritten extents, which only the kernel makes here: 8 MiB preallocated, one block written.
        Tools.onKernelMount(img, tmp.resolve("m"), "", "fallocate -l 8M prealloc"
                + " && printf written | dd of=prealloc bs=1 seek=4194304 conv=notrunc status=none");
        ImageFactory.requireClean(img);
    }

    @Test
    void holesStayHolesOnTheHost() throws Exception {
        Path small = mountTmpfs("small", "256m");
        try {
            Path out = small.resolve("out");
            CliRun r = CliRun.ext4j("cp", "-r", image + ":/", out.toString());
            assertEquals(0, r.status(), r.stderr());
            assertEquals("", r.stderr());
            String kernel = Tools.onKernelMount(img, tmp.resolve("m"), ",ro",
                    "for f in huge islands prealloc dense; do xfs_io -r -c 'seek -a -r 0' $f; done");
            StringBuilder copies = new StringBuilder();
            for (String name : List.of("huge", "islands", "prealloc", "dense")) {
                copies.append(dataRanges(out.resolve(name)));
            }
            assertEquals(kernel, copies.toString());

            Debugfs debugfs = new Debugfs(img);
            for (String name : List.of("islands", "prealloc", "dense")) {
                assertArrayEquals(debugfs.cat("/" + name), Files.readAllBytes(out.resolve(name)), name);
            }
            assertEquals(-1, Files.mismatch(src.resolve("islands"), out.resolve("islands")));
            assertEquals(HUGE, Files.size(out.resolve("huge")));
            // The huge copy's data, range by range, against the source file.
            List<long[]> ranges = parseRanges(dataRanges(out.resolve("huge")));
            assertEquals(3, ranges.size(), "the three islands");
            try (RandomAccessFile a = new RandomAccessFile(src.resolve("huge").toFile(), "r");
                    RandomAccessFile b = new RandomAccessFile(out.resolve("huge").toFile(), "r")) {
                for (long[] range : ranges) {
                    assertArrayEquals(read(a, range[0], (int) (range[1] - range[0])), read(b, range[0], (int) (range[1] - range[0])));
                }
            }
            long data = 0;
            for (long[] range : ranges) {
                data += range[1] - range[0];
            }
            long blocks = Long.parseLong(Tools.runOk(List.of("stat", "-c", "%b", out.resolve("huge").toString())).stdout().strip());
            assertTrue(blocks * 512 <= data, "the 15 TiB copy takes " + blocks + " sectors for " + data + " bytes of data");
        } finally {
            unmount(small);
        }
    }

    @Test
    void aCopyWhoseDataCannotFitIsRefusedBeforeWriting() throws Exception {
        Path tiny = mountTmpfs("tiny", "1m");
        try {
            String[] statfs = Tools.runOk(List.of("stat", "-f", "-c", "%a %S", tiny.toString())).stdout().strip().split(" ");
            long free = Long.parseLong(statfs[0]) * Long.parseLong(statfs[1]);
            CliRun r = CliRun.ext4j("cp", image + ":/dense", tiny.toString());
            assertEquals(1, r.status());
            assertEquals("ext4j: cp: " + image + ":/dense: needs 2.0 MiB for its data, " + tiny + " has "
                    + ProgressBar.bytes(free) + " free\n", r.stderr());
            try (var left = Files.list(tiny)) {
                assertEquals(0, left.count(), "nothing was written");
            }

            long islandData = 0;
            for (long[] range : parseRanges(Tools.onKernelMount(img, tmp.resolve("m"), ",ro", "xfs_io -r -c 'seek -a -r 0' islands"))) {
                islandData += range[1] - range[0];
            }
            CliRun two = CliRun.ext4j("cp", image + ":/dense", image + ":/islands", tiny.toString());
            assertEquals(1, two.status());
            assertEquals("ext4j: cp: 2 sources: need " + ProgressBar.bytes((2L << 20) + islandData) + " for their data, "
                    + tiny + " has " + ProgressBar.bytes(free) + " free\n", two.stderr());

            // 15 TiB long, 12 KiB of data: it fits.
            CliRun huge = CliRun.ext4j("cp", image + ":/huge", tiny.toString());
            assertEquals(0, huge.status(), huge.stderr());
            assertEquals(HUGE, Files.size(tiny.resolve("huge")));
        } finally {
            unmount(tiny);
        }
    }

    /** What {@code xfs_io -r -c "seek -a -r 0" FILE} prints: the file's data and hole starts. */
    static String dataRanges(Path file) {
        return Tools.runOk(List.of("xfs_io", "-r", "-c", "seek -a -r 0", file.toString())).stdout();
    }

    /** The [start, end) data ranges in xfs_io seek output (DATA start, then HOLE end). */
    static List<long[]> parseRanges(String seekOutput) {
        List<long[]> ranges = new ArrayList<>();
        long start = -1;
        for (String line : seekOutput.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 2 && words[0].equals("DATA")) {
                start = Long.parseLong(words[1]);
            } else if (words.length == 2 && words[0].equals("HOLE") && start >= 0) {
                ranges.add(new long[] {start, Long.parseLong(words[1])});
                start = -1;
            }
        }
        return ranges;
    }

    private static Path mountTmpfs(String name, String size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Tools.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()), Duration.ofSeconds(30))
                .requireExit(0);
        return dir;
    }

    private static void unmount(Path dir) {
        Tools.run(List.of("umount", dir.toString()), Duration.ofSeconds(30)).requireExit(0);
    }

    private static void write(RandomAccessFile f, long at, byte[] data) throws Exception {
        f.seek(at);
        f.write(data);
    }

    private static byte[] read(RandomAccessFile f, long at, int length) throws Exception {
        byte[] b = new byte[length];
        f.seek(at);
        f.readFully(b);
        return b;
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
