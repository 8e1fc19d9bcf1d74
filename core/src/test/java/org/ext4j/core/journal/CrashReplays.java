package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.testing.TreeDiff;
import org.junit.jupiter.api.Assumptions;

// Replays a crashed image three ways (e2fsck, the kernel, JournalRecovery through a read-write open), reads logdump and compares images block by block: the oracles of the journal tests.
final class CrashReplays {
    private CrashReplays() {
    }

    /** Three replayed copies of one crashed image, each already found clean by e2fsck -fn. */
    record Replays(Path e2fsck, Path ours, Path kernel, long oursReplayed) {
        List<Path> all() {
            return List.of(e2fsck, ours, kernel);
        }
    }

    /** Copies {@code crash} three times into {@code dir} and replays each copy, then requires e2fsck -fn to exit 0. */
    static Replays replay(Path crash, Path dir) throws Exception {
        String name = crash.getFileName().toString();
        Path byE2fsck = Files.copy(crash, dir.resolve(name + ".e2fsck"));
        Tools.Result fix = Tools.run(List.of("e2fsck", "-fy", byE2fsck.toString()));
        assertTrue(fix.exitCode() == 0 || fix.exitCode() == 1, "e2fsck -fy: " + fix);
        ImageFactory.requireClean(byE2fsck);

        Path byUs = Files.copy(crash, dir.resolve(name + ".ours"));
        long replayed;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(byUs, false), OpenOptions.READ_WRITE)) {
            assertNotNull(fs.recovery(), "the crashed image needed no recovery");
            assertTrue(fs.recovery().badChecksumBlocks().isEmpty());
            replayed = fs.recovery().transactionsReplayed();
        }
        ImageFactory.requireClean(byUs);

        Path byKernel = Files.copy(crash, dir.resolve(name + ".kernel"));
        kernelReplay(byKernel, dir.resolve(name + ".mnt"));
        ImageFactory.requireClean(byKernel);
        return new Replays(byE2fsck, byUs, byKernel, replayed);
    }

    /**
     * Requires the replays to hold what the clean close of the same session wrote: e2fsck's and
     * ours block for block (the ext4 and journal superblocks excepted: both record their own
     * bookkeeping there), all three the same tree to the nanosecond, with xattrs and hard links.
     */
    static void assertSameAsClean(Path clean, Replays replays, Path dir) throws Exception {
        int blockSize = Integer.parseInt(Tools.dumpe2fsField(clean, "Block size"));
        long journalSuperblock = blocks(clean, "<8>")[0];
        Set<Long> bookkeeping = Set.of(blockSize == 1024 ? 1L : 0L, journalSuperblock);
        byte[] cleanBytes = Files.readAllBytes(clean);
        for (Path replayed : List.of(replays.e2fsck(), replays.ours())) {
            List<Long> diff = differingBlocks(cleanBytes, Files.readAllBytes(replayed), blockSize);
            assertTrue(bookkeeping.containsAll(diff), replayed.getFileName() + " differs from the clean close in blocks "
                    + diff + " (superblock and journal superblock excepted)");
        }
        Path expected = dir.resolve(clean.getFileName() + ".tree");
        new Debugfs(clean).exportTree(expected);
        for (Path replayed : replays.all()) {
            Path tree = dir.resolve(replayed.getFileName() + ".tree");
            new Debugfs(replayed).exportTree(tree);
            TreeDiff.assertEqual(expected, tree, TreeDiff.Options.strict());
        }
    }

    /**
     * Checks {@code debugfs -R logdump} of a crashed image: it finds a commit block for every
     * transaction from {@code firstTid} to {@code endTid} (exclusive) in order. Returns the log's text.
     */
    static String checkLogdump(Path image, long firstTid, long endTid) {
        String out = new Debugfs(image).run("logdump");
        long expected = firstTid;
        for (String line : out.split("\n")) {
            if (line.contains("(commit block)")) {
                long tid = Long.parseLong(line.replaceAll(".*sequence (\\d+),.*", "$1"));
                assertEquals(expected, tid, "logdump found commits out of order:\n" + out);
                expected++;
            }
        }
        assertEquals(endTid, expected, "logdump did not find every committed transaction:\n" + out);
        assertTrue(out.contains("No magic number at block") || out.contains("Found sequence "), out);
        return out;
    }

    /** Lets the kernel replay the journal: a loop mount and an unmount. Skips when loop mounts are impossible. */
    static void kernelReplay(Path image, Path mnt) throws Exception {
        Files.createDirectories(mnt);
        Tools.Result mount = Tools.run(List.of("mount", "-o", "loop,noinit_itable", image.toString(), mnt.toString()));
        if (mount.exitCode() != 0) {
            detachLoops(image);
            Assumptions.abort("mount -o loop failed: " + mount.stderr());
        }
        Tools.Result umount = Tools.run(List.of("umount", mnt.toString()));
        detachLoops(image);
        assertEquals(0, umount.exitCode(), "umount: " + umount.stderr());
    }

    private static void detachLoops(Path image) {
        String attached = Tools.run(List.of("losetup", "-j", image.toString())).stdout();
        for (String line : attached.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                Tools.run(List.of("losetup", "-d", line.substring(0, colon)));
            }
        }
    }

    /** {@code debugfs blocks}: the physical blocks of {@code path} ("/f1", or "<8>" for the journal) in logical order. */
    static long[] blocks(Path image, String path) {
        return new Debugfs(image).blocks(path).stream().mapToLong(Long::longValue).toArray();
    }

    /** The journal inode's block map as debugfs sees it. */
    static LongUnaryOperator journalMap(long[] journalBlocks) {
        return jblk -> {
            if (jblk < 0 || jblk >= journalBlocks.length) {
                throw new IllegalArgumentException("journal block " + jblk + " is not mapped");
            }
            return journalBlocks[(int) jblk];
        };
    }

    /** The SHA-256 of a whole file, to show that an image opened read-only did not change. */
    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Numbers of the {@code blockSize} blocks in which two equally long images differ. */
    static List<Long> differingBlocks(byte[] a, byte[] b, int blockSize) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("images differ in size: " + a.length + " and " + b.length);
        }
        List<Long> diff = new ArrayList<>();
        for (int off = 0; off < a.length; off += blockSize) {
            if (!Arrays.equals(a, off, off + blockSize, b, off, off + blockSize)) {
                diff.add((long) (off / blockSize));
            }
        }
        return diff;
    }
}
