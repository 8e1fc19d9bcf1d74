package org.ext4j.core.extent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.io.FileBlockDevice;

/** Builds test images with mkfs.ext4 and asks debugfs what is in them: the oracles of this package's tests. */
final class TestImages {
    private TestImages() {
    }

    /** Runs {@code mkfs.ext4 -q -F <options> -d src image size} and returns the image. */
    static Path mkfs(Path dir, String name, String options, Path src, String size) throws IOException, InterruptedException {
        Path img = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(Arrays.asList(options.trim().split("\\s+")));
        cmd.addAll(List.of("-d", src.toString(), img.toString(), size));
        run(cmd);
        return img;
    }

    /** Runs a command, failing the test on a non-zero exit; returns stdout. */
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit " + p.exitValue());
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    static String debugfs(Path img, String request) throws IOException, InterruptedException {
        return run(List.of("debugfs", "-R", request, img.toString()));
    }

    /** The inode number of {@code path} according to debugfs. */
    static long ino(Path img, String path) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("Inode: (\\d+)").matcher(debugfs(img, "stat " + path));
        if (!m.find()) {
            throw new IOException("debugfs stat " + path + " printed no inode number");
        }
        return Long.parseLong(m.group(1));
    }

    private static final Pattern RANGE = Pattern.compile("\\((\\d+)(?:-(\\d+))?\\):(\\d+)(?:-(\\d+))?");

    /**
     * debugfs stat's BLOCKS/EXTENTS section as physical block per logical block (0 = hole), for
     * logical blocks [0, fileBlocks). Tree and indirect blocks ((ETB0), (IND)...) are left out.
     */
    static long[] logicalToPhysical(Path img, String path, int fileBlocks) throws IOException, InterruptedException {
        String stat = debugfs(img, "stat " + path);
        int at = Math.max(stat.indexOf("BLOCKS:"), stat.indexOf("EXTENTS:"));
        long[] map = new long[fileBlocks];
        if (at < 0) {
            return map;
        }
        Matcher m = RANGE.matcher(stat.substring(at));
        while (m.find()) {
            long l0 = Long.parseLong(m.group(1));
            long l1 = m.group(2) == null ? l0 : Long.parseLong(m.group(2));
            long p0 = Long.parseLong(m.group(3));
            for (long l = l0; l <= l1; l++) {
                if (l < fileBlocks) {
                    map[(int) l] = p0 + (l - l0);
                }
            }
        }
        return map;
    }

    /** One line of debugfs dump_extents ("ex"). */
    record ExLine(int level, int maxLevel, long lblkStart, long lblkEnd, long pblk, long length, boolean uninit) {
    }

    private static final Pattern EX_LEAF = Pattern.compile(
            "^\\s*(\\d+)/\\s*(\\d+)\\s+\\d+/\\s*\\d+\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+)\\s*(.*)$");
    private static final Pattern EX_INDEX = Pattern.compile(
            "^\\s*(\\d+)/\\s*(\\d+)\\s+\\d+/\\s*\\d+\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");

    /** Every line of {@code debugfs -R "ex path"}: index entries and leaf extents. */
    static List<ExLine> dumpExtents(Path img, String path) throws IOException, InterruptedException {
        List<ExLine> lines = new ArrayList<>();
        for (String line : debugfs(img, "ex " + path).split("\n")) {
            Matcher leaf = EX_LEAF.matcher(line);
            Matcher index = EX_INDEX.matcher(line);
            if (leaf.matches()) {
                lines.add(new ExLine(Integer.parseInt(leaf.group(1)), Integer.parseInt(leaf.group(2)),
                        Long.parseLong(leaf.group(3)), Long.parseLong(leaf.group(4)), Long.parseLong(leaf.group(5)),
                        Long.parseLong(leaf.group(7)), leaf.group(8).contains("Uninit")));
            } else if (index.matches()) {
                lines.add(new ExLine(Integer.parseInt(index.group(1)), Integer.parseInt(index.group(2)),
                        Long.parseLong(index.group(3)), Long.parseLong(index.group(4)), Long.parseLong(index.group(5)),
                        Long.parseLong(index.group(6)), false));
            }
        }
        return lines;
    }

    /** The leaf extents of a dump_extents listing, as mappings. */
    static List<Mapping> leafExtents(List<ExLine> lines) {
        List<Mapping> leaves = new ArrayList<>();
        for (ExLine l : lines) {
            if (l.level() == l.maxLevel()) {
                leaves.add(new Mapping(l.lblkStart(), l.pblk(), l.length(),
                        l.uninit() ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED));
            }
        }
        return leaves;
    }

    static Ext4FileSystem open(Path img) throws IOException {
        return Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY);
    }

    /** Opens {@code img} through a device that counts its reads. */
    static Ext4FileSystem openCounting(Path img, AtomicLong reads) throws IOException {
        return Ext4FileSystem.open(new CountingDevice(FileBlockDevice.open(img, true), reads), OpenOptions.READ_ONLY);
    }

    /** Reads the whole file through FileContent in chunks of {@code chunk} bytes. */
    static byte[] readAll(Ext4FileSystem fs, long ino, int chunk) {
        var inode = fs.inode(ino);
        FileContent content = new FileContent(fs, inode);
        byte[] all = new byte[Math.toIntExact(inode.size())];
        int pos = 0;
        while (pos < all.length) {
            int n = content.read(pos, all, pos, Math.min(chunk, all.length - pos));
            if (n <= 0) {
                throw new AssertionError("read returned " + n + " at " + pos + " of " + all.length);
            }
            pos += n;
        }
        return all;
    }

    /** Writes {@code data} at {@code offset} of {@code file}, leaving a hole before it when the file is shorter. */
    static void writeAt(Path file, long offset, byte[] data) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data), offset);
        }
    }

    static byte[] random(long seed, int len) {
        byte[] b = new byte[len];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static Path copy(Path img, Path to) throws IOException {
        return Files.copy(img, to);
    }

    /**
     * Walks {@code map} over logical blocks [0, expected.length) asking for the rest of the file
     * each time, and checks every answer against {@code expected} (physical block per logical
     * block, 0 for a hole): runs start where asked, holes reach the next mapped block, mapped runs
     * are physically consecutive. With {@code maximalRuns}, a mapped run must also end where the
     * physical sequence breaks (the indirect map merges; the extent tree stops at extent ends).
     *
     * @return the number of answers
     */
    static int assertWalkMatches(BlockMap map, long[] expected, boolean maximalRuns) {
        int answers = 0;
        long pos = 0;
        while (pos < expected.length) {
            Mapping m = map.map(pos, expected.length - pos);
            answers++;
            org.junit.jupiter.api.Assertions.assertEquals(pos, m.lblk(), "run start");
            org.junit.jupiter.api.Assertions.assertTrue(m.length() >= 1 && m.lblkEnd() <= expected.length, () -> "length of " + m);
            for (long l = m.lblk(); l < m.lblkEnd(); l++) {
                long want = expected[(int) l];
                long got = m.kind() == Mapping.Kind.HOLE ? 0 : m.pblk() + (l - m.lblk());
                org.junit.jupiter.api.Assertions.assertEquals(want, got, "physical block of logical block " + l + " in " + m);
            }
            if (m.lblkEnd() < expected.length) {
                long next = expected[(int) m.lblkEnd()];
                if (m.kind() == Mapping.Kind.HOLE) {
                    org.junit.jupiter.api.Assertions.assertNotEquals(0, next, () -> "hole " + m + " stops before another hole");
                } else if (maximalRuns) {
                    org.junit.jupiter.api.Assertions.assertNotEquals(m.pblk() + m.length(), next, () -> "run " + m + " stops early");
                }
            }
            pos = m.lblkEnd();
        }
        return answers;
    }

    /** A pass-through device that counts read calls. */
    static final class CountingDevice extends ForwardingBlockDevice {
        private final AtomicLong reads;

        CountingDevice(BlockDevice inner, AtomicLong reads) {
            super(inner);
            this.reads = reads;
        }

        @Override
        public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
            reads.incrementAndGet();
            inner().read(offset, dst, dstOff, len);
        }
    }
}
