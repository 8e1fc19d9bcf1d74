package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.TreeDiff;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Transactions committed through {@link JournalWriter} and never checkpointed, then a simulated
 * crash (a copy of the image): e2fsck, the kernel and {@link JournalRecovery} each replay the copy,
 * and all three must give the state that a clean close of the same session wrote home — the same
 * blocks (e2fsck and ours), the same tree to the nanosecond with xattrs (all three), and e2fsck -fn
 * clean. Runs on each journal flavour: csum v3, v2, v1 and none; 64-bit and 32-bit block numbers;
 * 1 KiB and 4 KiB blocks; an ext3 journal mapped by indirect blocks.
 */
class JournalWriterCrashTest {
    @org.junit.jupiter.api.io.TempDir
    Path dir;

    /** A journal flavour: how the image is made, and the journal features the writer must use. */
    enum Flavour {
        V3_64BIT_4K(List.of("-t", "ext4", "-b", "4096"), null, "journal_64bit journal_checksum_v3"),
        V3_32BIT_1K(List.of("-t", "ext4", "-b", "1024", "-O", "^64bit"), null, "journal_checksum_v3"),
        // debugfs's "jo -c" makes v2 only on a metadata_csum filesystem (v1 elsewhere); the writer keeps v2.
        V2_64BIT_4K(List.of("-t", "ext4", "-b", "4096"), "jo -c -v 2", "journal_64bit journal_checksum_v2"),
        V2_32BIT_1K(List.of("-t", "ext4", "-b", "1024", "-O", "^64bit"), "jo -c -v 2", "journal_checksum_v2"),
        V1_32BIT_4K(List.of("-t", "ext4", "-b", "4096", "-O", "^metadata_csum,^64bit"), "jo -c",
                "journal_checksum"),
        NONE_32BIT_1K(List.of("-t", "ext4", "-b", "1024", "-O", "^metadata_csum,^64bit"), null, "(none)"),
        EXT3_4K(List.of("-t", "ext3", "-b", "4096"), null, "(none)");

        final List<String> mkfs;
        final String journalOpen;
        final String features;

        Flavour(List<String> mkfs, String journalOpen, String features) {
            this.mkfs = mkfs;
            this.journalOpen = journalOpen;
            this.features = features;
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void replaysOfACrashGiveTheCommittedState(Flavour flavour) throws Exception {
        Path image = mkfs(dir, "fs.img", flavour);
        Path crash = dir.resolve("crash.img");
        long firstTid;
        long endTid;
        try (JournaledImage j = JournaledImage.open(image)) {
            firstTid = j.writer.nextSequence();
            workload(j, flavour.mkfs.contains("1024") ? 700 : 3000);
            assertTrue(j.writer.liveBlocks() > 0, "the crash must leave transactions in the log");
            j.crashCopy(crash);
            endTid = j.writer.nextSequence();
        }
        // The clean close wrote everything home and left no recovery to do.
        ImageTools.check("e2fsck", "-fn", image.toString());
        String features = ImageTools.dumpe2fsField(image, "Filesystem features");
        assertFalse(features.contains("needs_recovery"), features);
        assertEquals("0", ImageTools.dumpe2fsField(image, "Journal start"));
        assertEquals(flavour.features, ImageTools.dumpe2fsField(image, "Journal features"));

        assertTrue(ImageTools.dumpe2fsField(crash, "Filesystem features").contains("needs_recovery"));
        long logStart = Long.decode(ImageTools.dumpe2fsField(crash, "Journal sequence"));
        int inLog = checkLogdump(crash, logStart, endTid);
        assertTrue(inLog >= 2 && logStart >= firstTid, "transactions in the log: " + inLog + " from " + logStart);

        Path byE2fsck = Files.copy(crash, dir.resolve("e2fsck.img"));
        ImageTools.Result replay = ImageTools.run("e2fsck", "-fy", byE2fsck.toString());
        assertTrue(replay.exit() == 0 || replay.exit() == 1, "e2fsck -fy: " + replay);
        ImageTools.check("e2fsck", "-fn", byE2fsck.toString());

        Path byUs = Files.copy(crash, dir.resolve("ours.img"));
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(byUs, false), OpenOptions.READ_WRITE)) {
            assertNotNull(fs.recovery());
            assertEquals(inLog, fs.recovery().transactionsReplayed());
            assertTrue(fs.recovery().badChecksumBlocks().isEmpty());
        }
        ImageTools.check("e2fsck", "-fn", byUs.toString());

        Path byKernel = Files.copy(crash, dir.resolve("kernel.img"));
        kernelReplay(byKernel, dir.resolve("mnt"));
        ImageTools.check("e2fsck", "-fn", byKernel.toString());

        // e2fsck's replay and ours write exactly the blocks the checkpoint wrote home.
        int blockSize = Integer.parseInt(ImageTools.dumpe2fsField(image, "Block size"));
        long journalSuperblock = ImageTools.blocks(image, "<8>")[0];
        Set<Long> bookkeeping = Set.of(blockSize == 1024 ? 1L : 0L, journalSuperblock);
        byte[] clean = Files.readAllBytes(image);
        for (Path replayed : List.of(byE2fsck, byUs)) {
            List<Long> diff = ImageTools.differingBlocks(clean, Files.readAllBytes(replayed), blockSize);
            assertTrue(bookkeeping.containsAll(diff), replayed.getFileName() + " differs from the clean close in blocks "
                    + diff + " (superblock and journal superblock excepted)");
        }
        Path expected = dir.resolve("tree-clean");
        new Debugfs(image).exportTree(expected);
        for (Path replayed : List.of(byE2fsck, byUs, byKernel)) {
            Path tree = dir.resolve("tree-" + replayed.getFileName());
            new Debugfs(replayed).exportTree(tree);
            TreeDiff.assertEqual(expected, tree, TreeDiff.Options.strict());
        }
        assertArrayEquals(JournaledImage.bytes("content 79"), new Debugfs(byKernel).cat("/d2/file-79"));
    }

    /** Directories, files with data, in-inode and block xattrs, symlinks, renames and unlinks, one transaction each. */
    static void workload(JournaledImage j, int bigXattr) {
        Random random = new Random(42);
        long d1 = j.mkdir(JournaledImage.ROOT, "d1");
        long f1 = j.create(d1, "f1", randomBytes(random, 10000));
        j.setXattr(f1, "user.small", JournaledImage.bytes("v"));
        j.setXattr(f1, "user.big", randomBytes(random, bigXattr));
        long d2 = j.mkdir(JournaledImage.ROOT, "d2");
        for (int i = 0; i < 80; i++) {
            j.create(d2, "file-" + i, JournaledImage.bytes("content " + i));
        }
        j.symlink(JournaledImage.ROOT, "fast", "d1/f1");
        j.symlink(JournaledImage.ROOT, "slow", "d1/" + "x".repeat(120));
        j.rename(d2, "file-3", d1, "moved");
        j.unlink(d2, "file-5");
        j.write(f1, 20000, randomBytes(random, 5000));
        j.create(JournaledImage.ROOT, "big", randomBytes(random, 300_000));
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** mkfs with the flavour's options and a small journal (1024 blocks), then debugfs's journal open if it sets checksums. */
    static Path mkfs(Path dir, String name, Flavour flavour) throws Exception {
        Path image = dir.resolve(name);
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(flavour.mkfs);
        boolean small = flavour.mkfs.contains("1024");
        mkfs.addAll(List.of("-J", "size=" + (small ? 1 : 4), image.toString(), "64M"));
        ImageTools.check(mkfs.toArray(String[]::new));
        if (flavour.journalOpen != null) {
            Path cmds = Files.writeString(dir.resolve(name + ".jo"), flavour.journalOpen + "\njc\n");
            ImageTools.check("debugfs", "-w", "-f", cmds.toString(), image.toString());
        }
        ImageTools.check("e2fsck", "-fn", image.toString());
        return image;
    }

    /**
     * Checks {@code debugfs -R logdump} of a crashed image: it finds a commit block for every
     * transaction from {@code firstTid} to {@code endTid} (exclusive) in order, then the end of the
     * log. Returns the number of transactions it found.
     */
    static int checkLogdump(Path image, long firstTid, long endTid) {
        String out = ImageTools.check("debugfs", "-R", "logdump", image.toString());
        Set<Long> commits = new TreeSet<>();
        long expected = firstTid;
        for (String line : out.split("\n")) {
            if (line.contains("(commit block)")) {
                long tid = Long.parseLong(line.replaceAll(".*sequence (\\d+),.*", "$1"));
                assertEquals(expected, tid, "logdump found commits out of order:\n" + out);
                commits.add(tid);
                expected++;
            }
        }
        assertEquals(endTid, expected, "logdump did not find every committed transaction:\n" + out);
        assertTrue(out.contains("No magic number at block") || out.contains("Found sequence " + endTid)
                || out.contains("end of journal"), out);
        return commits.size();
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
