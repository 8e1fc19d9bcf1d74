package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.testing.Debugfs;

/** Opens images read-only and checks block maps and file contents against debugfs: what this package's read tests share. */
final class BlockMapChecks {
    private BlockMapChecks() {
    }

    /** The leaf extents of a debugfs dump_extents listing, as mappings. */
    static List<Mapping> leafExtents(List<Debugfs.ExtentLine> lines) {
        List<Mapping> leaves = new ArrayList<>();
        for (Debugfs.ExtentLine l : lines) {
            if (l.isLeaf()) {
                leaves.add(new Mapping(l.lblkStart(), l.pblk(), l.length(),
                        l.uninit() ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED));
            }
        }
        return leaves;
    }

    /** Opens {@code img} read-only. */
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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), offset);
        }
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
            assertEquals(pos, m.lblk(), "run start");
            assertTrue(m.length() >= 1 && m.lblkEnd() <= expected.length, () -> "length of " + m);
            for (long l = m.lblk(); l < m.lblkEnd(); l++) {
                long want = expected[(int) l];
                long got = m.kind() == Mapping.Kind.HOLE ? 0 : m.pblk() + (l - m.lblk());
                assertEquals(want, got, "physical block of logical block " + l + " in " + m);
            }
            if (m.lblkEnd() < expected.length) {
                long next = expected[(int) m.lblkEnd()];
                if (m.kind() == Mapping.Kind.HOLE) {
                    assertNotEquals(0, next, () -> "hole " + m + " stops before another hole");
                } else if (maximalRuns) {
                    assertNotEquals(m.pblk() + m.length(), next, () -> "run " + m + " stops early");
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
