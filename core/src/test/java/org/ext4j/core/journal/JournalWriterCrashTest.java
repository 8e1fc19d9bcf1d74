package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
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
        ImageFactory.requireClean(image);
        String features = Tools.dumpe2fsField(image, "Filesystem features");
        assertFalse(features.contains("needs_recovery"), features);
        assertEquals("0", Tools.dumpe2fsField(image, "Journal start"));
        // The workload frees a logged xattr block, so every flavour gains revoke as well.
        Set<String> expectedFeatures = new TreeSet<>(List.of(flavour.features.split(" ")));
        expectedFeatures.remove("(none)");
        expectedFeatures.add("journal_incompat_revoke");
        assertEquals(expectedFeatures, new TreeSet<>(List.of(Tools.dumpe2fsField(image, "Journal features").split(" "))));

        assertTrue(Tools.dumpe2fsField(crash, "Filesystem features").contains("needs_recovery"));
        long logStart = Long.decode(Tools.dumpe2fsField(crash, "Journal sequence"));
        assertTrue(logStart >= firstTid && endTid - logStart >= 2, "transactions in the log: " + logStart + ".." + endTid);
        String logdump = CrashReplays.checkLogdump(crash, logStart, endTid);
        assertTrue(logdump.contains("revoke table"), "the freed xattr block was not revoked:\n" + logdump);
        CrashReplays.Replays replays = CrashReplays.replay(crash, dir);
        assertEquals(endTid - logStart, replays.oursReplayed());
        CrashReplays.assertSameAsClean(image, replays, dir);
        assertArrayEquals(JournaledImage.bytes("content 79"), new Debugfs(replays.kernel()).cat("/d2/file-79"));
    }

    /** Directories, files with data, in-inode and block xattrs, symlinks, renames and unlinks, one transaction each. */
    static void workload(JournaledImage j, int bigXattr) {
        Random random = new Random(42);
        long d1 = j.mkdir(JournaledImage.ROOT, "d1");
        long f1 = j.create(d1, "f1", randomBytes(random, 10000));
        j.setXattr(f1, "user.small", JournaledImage.bytes("v"));
        j.setXattr(f1, "user.big", randomBytes(random, bigXattr));
        long d2 = j.mkdir(JournaledImage.ROOT, "d2");
        // Ten handles per transaction here, as the running transaction groups them between syncs.
        j.syncEach = false;
        for (int i = 0; i < 80; i++) {
            j.create(d2, "file-" + i, JournaledImage.bytes("content " + i));
            if (i % 10 == 9) {
                j.tm.sync();
            }
        }
        j.syncEach = true;
        // A block xattr freed while its block is still in the log: it is revoked, and the next
        // file's data may land in it, which a replay must not overwrite.
        long doomed = j.create(d1, "doomed", JournaledImage.bytes("doomed"));
        j.setXattr(doomed, "user.big", randomBytes(random, bigXattr));
        j.unlink(d1, "doomed");
        j.create(d1, "after-doomed", randomBytes(random, 8192));
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
        List<String> options = new ArrayList<>(flavour.mkfs);
        boolean small = flavour.mkfs.contains("1024");
        options.addAll(List.of("-J", "size=" + (small ? 1 : 4)));
        ImageFactory.mkfs(image, "64M", options.toArray(String[]::new));
        if (flavour.journalOpen != null) {
            new Debugfs(image).write(List.of(flavour.journalOpen, "jc"));
        }
        ImageFactory.requireClean(image);
        return image;
    }
}
