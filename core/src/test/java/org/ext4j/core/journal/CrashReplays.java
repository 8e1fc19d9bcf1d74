package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.TreeDiff;
import org.junit.jupiter.api.Assumptions;

// Replays a crashed image three ways (e2fsck, the kernel, JournalRecovery through a read-write open) and reads logdump: the oracles of the writer tests.
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
        ImageTools.Result fix = ImageTools.run("e2fsck", "-fy", byE2fsck.toString());
        assertTrue(fix.exit() == 0 || fix.exit() == 1, "e2fsck -fy: " + fix);
        ImageTools.check("e2fsck", "-fn", byE2fsck.toString());

        Path byUs = Files.copy(crash, dir.resolve(name + ".ours"));
        long replayed;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(byUs, false), OpenOptions.READ_WRITE)) {
            assertNotNull(fs.recovery(), "the crashed image needed no recovery");
            assertTrue(fs.recovery().badChecksumBlocks().isEmpty());
            replayed = fs.recovery().transactionsReplayed();
        }
        ImageTools.check("e2fsck", "-fn", byUs.toString());

        Path byKernel = Files.copy(crash, dir.resolve(name + ".kernel"));
        kernelReplay(byKernel, dir.resolve(name + ".mnt"));
        ImageTools.check("e2fsck", "-fn", byKernel.toString());
        return new Replays(byE2fsck, byUs, byKernel, replayed);
    }

    /**
     * Requires the replays to hold what the clean close of the same session wrote: e2fsck's and
     * ours block for block (the ext4 and journal superblocks excepted: both record their own
     * bookkeeping there), all three the same tree to the nanosecond, with xattrs and hard links.
     */
    static void assertSameAsClean(Path clean, Replays replays, Path dir) throws Exception {
        int blockSize = Integer.parseInt(ImageTools.dumpe2fsField(clean, "Block size"));
        long journalSuperblock = ImageTools.blocks(clean, "<8>")[0];
        Set<Long> bookkeeping = Set.of(blockSize == 1024 ? 1L : 0L, journalSuperblock);
        byte[] cleanBytes = Files.readAllBytes(clean);
        for (Path replayed : List.of(replays.e2fsck(), replays.ours())) {
            List<Long> diff = ImageTools.differingBlocks(cleanBytes, Files.readAllBytes(replayed), blockSize);
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
        String out = ImageTools.check("debugfs", "-R", "logdump", image.toString());
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
        ImageTools.Result mount = ImageTools.run("mount", "-o", "loop,noinit_itable", image.toString(), mnt.toString());
        if (mount.exit() != 0) {
            detachLoops(image);
            Assumptions.abort("mount -o loop failed: " + mount.err());
        }
        ImageTools.Result umount = ImageTools.run("umount", mnt.toString());
        detachLoops(image);
        assertEquals(0, umount.exit(), "umount: " + umount.err());
    }

    private static void detachLoops(Path image) {
        String attached = ImageTools.run("losetup", "-j", image.toString()).out();
        for (String line : attached.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                ImageTools.run("losetup", "-d", line.substring(0, colon));
            }
        }
    }
}
