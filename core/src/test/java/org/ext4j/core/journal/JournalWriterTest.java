package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.CommitRecord;
import org.ext4j.core.tx.CommittedBlock;
import org.ext4j.core.tx.FreedRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's log management against the same oracles as {@link JournalWriterCrashTest}: a log
 * that wraps around its end, revoke records that keep data written over a freed metadata block,
 * escaped blocks, a record too large for the log, the image left untouched until the first
 * commit, sequence numbers continued across opens, and the journals it refuses to write.
 */
class JournalWriterTest {
    @TempDir
    Path dir;

    private Path mkfs(String name, String... options) {
        Path image = dir.resolve(name);
        return ImageFactory.mkfs(image, "64M", options);
    }

    @Test
    void aLogThatWrapsAroundItsEndIsReplayedByAll() throws Exception {
        Path image = mkfs("wrap.img", "-b", "1024", "-J", "size=1");
        Path crash = dir.resolve("wrap-crash.img");
        long endTid;
        try (JournaledImage j = JournaledImage.open(image)) {
            long d = j.mkdir(JournaledImage.ROOT, "w");
            int made = 0;
            // Stop once the live log runs past the end of the journal and back to its start.
            while (!(j.writer.liveBlocks() > 40 && j.writer.head() < j.writer.logStart())) {
                assertTrue(made < 3000, "the log never wrapped");
                j.create(d, "f" + made, JournaledImage.bytes("file " + made));
                made++;
            }
            j.crashCopy(crash);
            endTid = j.writer.nextSequence();
            assertTrue(made > 100, "only " + made + " transactions before the wrap");
        }
        ImageFactory.requireClean(image);
        long logStart = Long.decode(Tools.dumpe2fsField(crash, "Journal sequence"));
        CrashReplays.checkLogdump(crash, logStart, endTid);
        CrashReplays.Replays replays = CrashReplays.replay(crash, dir);
        assertEquals(endTid - logStart, replays.oursReplayed());
        CrashReplays.assertSameAsClean(image, replays, dir);
    }

    /** Free blocks of a fresh 64 MiB image (1 KiB blocks: 65536 in all), far from anything mkfs used. */
    private static final long X = 60000;
    private static final long Y = 60001;
    private static final long Z = 60002;

    @Test
    void aRevokedBlockKeepsTheDataWrittenOverIt() throws Exception {
        RevokeRun run = revokeScenario("revoke", true);
        assertTrue(run.logdump.contains("revoke table"), run.logdump);
        for (Path replayed : run.replays.all()) {
            byte[] image = Files.readAllBytes(replayed);
            assertArrayEquals(run.data, block(image, X), replayed + ": replay wrote stale metadata over the data");
            assertArrayEquals(run.magicBlock, block(image, Y), replayed + ": the escaped block came back wrong");
            assertArrayEquals(fill('Z'), block(image, Z), replayed.toString());
        }
        // The checkpoint did not write the freed block home either, and did write the others.
        byte[] home = Files.readAllBytes(run.image);
        assertArrayEquals(run.data, block(home, X));
        assertArrayEquals(run.magicBlock, block(home, Y));
    }

    @Test
    void withoutTheRevokeReplayWouldOverwriteTheData() throws Exception {
        // The control of the test above: the same run with the free not reported to the writer.
        RevokeRun run = revokeScenario("norevoke", false);
        assertFalse(run.logdump.contains("revoke table"), run.logdump);
        for (Path replayed : List.of(run.replays.e2fsck(), run.replays.ours(), run.replays.kernel())) {
            assertArrayEquals(fill('M'), block(Files.readAllBytes(replayed), X), replayed.toString());
        }
    }

    private record RevokeRun(Path image, CrashReplays.Replays replays, String logdump, byte[] data, byte[] magicBlock) {
    }

    /**
     * Logs metadata at free blocks X and Y (Y begins with the jbd2 magic), frees X in the next
     * record (reported to the writer when {@code revoke}), writes file data over X, commits
     * more, and crashes.
     */
    private RevokeRun revokeScenario(String name, boolean revoke) throws Exception {
        Path image = mkfs(name + ".img", "-b", "1024", "-J", "size=1");
        Debugfs debugfs = new Debugfs(image);
        for (long b : new long[] {X, Y, Z}) {
            assertTrue(debugfs.run("testb " + b).contains("not in use"), "block " + b + " is in use");
        }
        byte[] magicBlock = fill('Y');
        BigEndian.put32(magicBlock, 0, JournalHeader.JBD2_MAGIC_NUMBER);
        byte[] data = fill('D');
        Path crash = dir.resolve(name + "-crash.img");
        long endTid;
        try (JournaledImage j = JournaledImage.open(image)) {
            j.mkdir(JournaledImage.ROOT, "before");
            int pendingBefore = j.writer.pendingCheckpoint();
            j.writer.write(new CommitRecord(100, List.of(new CommittedBlock(X, BlockRole.NEW, null, fill('M')),
                    new CommittedBlock(Y, BlockRole.NEW, null, magicBlock)), false, List.of()));
            j.writer.write(new CommitRecord(101, List.of(new CommittedBlock(Z, BlockRole.NEW, null, fill('Z'))), false,
                    revoke ? List.of(new FreedRange(X, 1)) : List.of()));
            // X no longer waits for a checkpoint once freed: nothing may write it home.
            assertEquals(pendingBefore + (revoke ? 2 : 3), j.writer.pendingCheckpoint());
            // X now holds file data, written straight to the device as ordered data is.
            j.fs.device().write(X * 1024, data, 0, data.length);
            j.fs.device().flush();
            j.mkdir(JournaledImage.ROOT, "after");
            j.crashCopy(crash);
            endTid = j.writer.nextSequence();
            if (!revoke) {
                // Without the revoke the checkpoint would write M home: keep the original image
                // comparable by rewriting the data after it, as nothing else may touch X.
                j.writer.checkpoint();
                j.fs.device().write(X * 1024, data, 0, data.length);
            }
        }
        ImageFactory.requireClean(image);
        long logStart = Long.decode(Tools.dumpe2fsField(crash, "Journal sequence"));
        String logdump = CrashReplays.checkLogdump(crash, logStart, endTid);
        CrashReplays.Replays replays = CrashReplays.replay(crash, dir);
        if (revoke) {
            CrashReplays.assertSameAsClean(image, replays, dir);
        }
        return new RevokeRun(image, replays, logdump, data, magicBlock);
    }

    @Test
    void aRecordLargerThanTheLogIsWrittenInPlace() throws Exception {
        Path image = mkfs("big.img", "-b", "1024", "-J", "size=1");
        long first = 50000;
        assertFalse(new Debugfs(image).run("testb " + first + " 1100").contains("marked in use"),
                "blocks " + first + "+1100 are not free");
        List<CommittedBlock> blocks = new ArrayList<>();
        for (int i = 0; i < 1100; i++) {
            byte[] b = new byte[1024];
            Arrays.fill(b, (byte) i);
            blocks.add(new CommittedBlock(first + i, BlockRole.NEW, null, b));
        }
        try (JournaledImage j = JournaledImage.open(image)) {
            j.mkdir(JournaledImage.ROOT, "before");
            assertTrue(j.writer.liveBlocks() > 0);
            long head = j.writer.head();
            j.writer.write(new CommitRecord(1, blocks, false, List.of()));
            // Checkpointed first, then written home without the log.
            assertEquals(0, j.writer.liveBlocks());
            assertEquals(0, j.writer.pendingCheckpoint());
            assertEquals(head, j.writer.head());
            byte[] disk = j.fs.device().read(first * 1024, 1100 * 1024);
            for (int i = 0; i < 1100; i++) {
                assertArrayEquals(blocks.get(i).content(), block(disk, i), "block " + (first + i));
            }
            j.mkdir(JournaledImage.ROOT, "after");
        }
        ImageFactory.requireClean(image);
        assertTrue(new Debugfs(image).lookup("/after").isPresent());
    }

    @Test
    void nothingIsWrittenUntilTheFirstCommitAndSequencesContinueAcrossOpens() throws Exception {
        Path image = mkfs("seq.img", "-b", "4096");
        String before = CrashReplays.sha256(image);
        try (JournaledImage j = JournaledImage.open(image)) {
            assertEquals(2, j.writer.nextSequence(), "mkfs leaves s_sequence 1; jbd2 goes on at 2");
        }
        assertEquals(before, CrashReplays.sha256(image), "an open without a commit changed the image");

        long next;
        try (JournaledImage j = JournaledImage.open(image)) {
            j.mkdir(JournaledImage.ROOT, "one");
            j.mkdir(JournaledImage.ROOT, "two");
            next = j.writer.nextSequence();
            assertEquals(4, next);
        }
        assertEquals(next, Long.decode(Tools.dumpe2fsField(image, "Journal sequence")));
        try (JournaledImage j = JournaledImage.open(image)) {
            assertEquals(next + 1, j.writer.nextSequence());
            j.mkdir(JournaledImage.ROOT, "three");
        }
        ImageFactory.requireClean(image);
        assertFalse(Tools.dumpe2fsField(image, "Filesystem features").contains("needs_recovery"));
        // The kernel takes the journal as it was left (mount, unmount) and finds nothing to fix.
        CrashReplays.kernelReplay(image, dir.resolve("mnt"));
        ImageFactory.requireClean(image);
        assertTrue(new Debugfs(image).lookup("/three").isPresent());
    }

    @Test
    void journalsThatCannotBeWrittenAreRefused() throws Exception {
        Path ext2 = mkfs("ext2.img", "-t", "ext2", "-b", "4096");
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext2, false), OpenOptions.READ_WRITE)) {
            assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class,
                    () -> JournalWriter.open(fs, fs.blockCache())).errno());
        }
        Path ext4 = mkfs("ext4.img", "-b", "4096");
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4, true), OpenOptions.READ_ONLY)) {
            assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class,
                    () -> JournalWriter.open(fs, fs.blockCache())).errno());
        }
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4, false), OpenOptions.READ_WRITE)) {
            // A log that is not empty under a filesystem already open: it should have been replayed.
            long jsbBlock = CrashReplays.blocks(ext4, "<8>")[0];
            long journalBlocks = CrashReplays.blocks(ext4, "<8>").length;
            JournalSuperblock jsb = JournalSuperblock.parse(fs.device().read(jsbBlock * 4096, 1024), 4096, journalBlocks);
            byte[] dirty = jsb.edited(jsb.first(), jsb.sequence(), 0, jsb.featureCompat(), jsb.featureIncompat()).raw();
            fs.device().write(jsbBlock * 4096, dirty, 0, dirty.length);
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> JournalWriter.open(fs, fs.blockCache()));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertTrue(e.getMessage().contains("replay"), e.getMessage());
        }
    }

    private static byte[] fill(char c) {
        byte[] b = new byte[1024];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private static byte[] block(byte[] image, long pblk) {
        return Arrays.copyOfRange(image, (int) pblk * 1024, (int) pblk * 1024 + 1024);
    }
}
