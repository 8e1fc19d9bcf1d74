package org.ext4j.core.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.WriteRecorder;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.testing.TreeDiff;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency: a workload runs on a volume whose device records every write and flush;
 * the history is cut after every flush and at random points between flushes (any subset of the
 * writes since the last flush reaching the disk), and each crash image is recovered and judged
 * by tools nobody here wrote.
 *
 * <p>Without a journal ext4j writes in place in a safe order and promises no atomicity: a crash
 * image must be repairable by {@code e2fsck -fy} (then clean under {@code e2fsck -fn}), and every
 * byte fsync'd before the crash must read back intact (through debugfs).
 *
 * <p>{@code -Dext4j.crash.cuts=N} sets how many crash images each case judges and
 * {@code -Dext4j.crash.seed=S} the workload and cut seed.
 */
class CrashConsistencyTest {
    private static final int CUTS = Integer.getInteger("ext4j.crash.cuts", 200);
    private static final long SEED = Long.getLong("ext4j.crash.seed", 1);
    private static final int JOURNAL_CUTS = Integer.getInteger("ext4j.crash.journalCuts", 1000);

    @TempDir
    Path dir;
    /** The crash image being judged, as it was before any recovery touched it. */
    private byte[] crashBytes;

    /** What one recorded workload left behind. */
    private record Recording(byte[] before, List<WriteRecorder.Event> events, List<CrashWorkload.Promise> promises) {
    }

    private Recording record(List<String> mkfsOptions, int operations) throws Exception {
        Path img = dir.resolve("base.img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(mkfsOptions);
        mkfs.addAll(List.of(img.toString(), "16M"));
        Tools.runOk(mkfs);
        byte[] before = Files.readAllBytes(img);
        WriteRecorder recorder = new WriteRecorder(new MemoryBlockDevice(before.clone(), false));
        CrashWorkload workload;
        try (PosixFileSystem volume = PosixFileSystem.of(Ext4FileSystem.open(recorder, OpenOptions.READ_WRITE))) {
            workload = new CrashWorkload(volume, recorder, SEED);
            workload.run(operations);
        }
        List<WriteRecorder.Event> events = recorder.events();
        assertTrue(events.stream().filter(WriteRecorder.Event::isFlush).count() >= 20,
                "the workload must flush often enough to give many crash points");
        return new Recording(before, events, workload.promises());
    }

    @Test
    void withoutAJournalEveryCrashIsRepairableAndKeepsFsyncedData() throws Exception {
        Recording rec = record(List.of("-O", "^has_journal"), 250);
        List<CrashImages.Cut> cuts = CrashImages.plan(rec.events(), CUTS, SEED);
        assertTrue(cuts.size() >= Math.min(CUTS, 100), "planned " + cuts.size() + " cuts");
        int checked = judge(rec, cuts, (image, cut) -> {
            Tools.Result repair = Tools.run(List.of("e2fsck", "-fy", image.toString()));
            assertTrue(repair.exitCode() <= 1, repair.describe("e2fsck -fy could not repair " + cut.label()));
            Tools.Result check = Tools.run(List.of("e2fsck", "-fn", image.toString()));
            assertEquals(0, check.exitCode(), check.describe("e2fsck -fn after repair of " + cut.label()));
        });
        assertTrue(checked > cuts.size(), "fsync'd files checked: " + checked);
    }

    /**
     * With the journal every crash image replays to a committed state: ext4j's replay leaves an
     * image that {@code e2fsck -fn} passes untouched, and replaying the same crash image with
     * {@code e2fsck -fy} and with the kernel (a loop mount) gives the same tree.
     */
    @Test
    void withTheJournalEveryCrashReplaysCleanAndAsE2fsckAndTheKernelDo() throws Exception {
        Recording rec = record(List.of("-O", "has_journal", "-J", "size=1"), 300);
        List<CrashImages.Cut> cuts = CrashImages.plan(rec.events(), JOURNAL_CUTS, SEED);
        assertTrue(cuts.size() >= Math.min(JOURNAL_CUTS, 100), "planned " + cuts.size() + " cuts");
        Path other = dir.resolve("other.img");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Path ours = dir.resolve("ours");
        Path theirs = dir.resolve("theirs");
        int kernelEvery = Integer.getInteger("ext4j.crash.kernelEvery", 5);
        int[] judged = {0};
        int checked = judge(rec, cuts, (image, cut) -> {
            Files.copy(image, other, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            PosixFileSystem.open(image, OpenOptions.READ_WRITE).close();
            Tools.Result check = Tools.run(List.of("e2fsck", "-fn", image.toString()));
            assertEquals(0, check.exitCode(), check.describe("e2fsck -fn after ext4j's replay of " + cut.label()));
            dumpTree(image, ours);

            Tools.Result replay = Tools.run(List.of("e2fsck", "-fy", other.toString()));
            assertTrue(replay.exitCode() <= 1, replay.describe("e2fsck -fy on " + cut.label()));
            dumpTree(other, theirs);
            TreeDiff.assertEqual(theirs, ours, treeOptions());

            if (judged[0]++ % kernelEvery == 0) {
                Files.write(other, crashBytes);
                Tools.runOk(List.of("mount", "-o", "loop", other.toString(), mnt.toString()));
                Tools.runOk(List.of("umount", mnt.toString()));
                Tools.Result afterKernel = Tools.run(List.of("e2fsck", "-fn", other.toString()));
                assertEquals(0, afterKernel.exitCode(), afterKernel.describe("e2fsck -fn after the kernel's replay of " + cut.label()));
                dumpTree(other, theirs);
                TreeDiff.assertEqual(theirs, ours, treeOptions());
            }
        });
        assertTrue(checked > cuts.size(), "fsync'd files checked: " + checked);
    }

    private static void dumpTree(Path image, Path dest) throws IOException {
        deleteTree(dest);
        Files.createDirectories(dest);
        new Debugfs(image).rdump("/", dest);
    }

    /** How one crash image is recovered and checked for consistency (promises are checked after). */
    private interface Recovery {
        void recover(Path image, CrashImages.Cut cut) throws Exception;
    }

    /** Recovers and checks every cut; returns how many fsync'd files were checked in all. */
    private int judge(Recording rec, List<CrashImages.Cut> cuts, Recovery recovery) throws Exception {
        cuts = new ArrayList<>(cuts);
        cuts.sort(java.util.Comparator.comparingInt(CrashImages.Cut::durable));
        byte[] durable = rec.before().clone();
        int applied = 0;
        Path image = dir.resolve("crash.img");
        Path dump = dir.resolve("dump");
        int checked = 0;
        for (CrashImages.Cut cut : cuts) {
            CrashImages.apply(durable, rec.events(), applied, cut.durable());
            applied = cut.durable();
            byte[] crashed = CrashImages.image(durable, rec.events(), cut);
            Files.write(image, crashed);
            crashBytes = crashed;
            try {
                recovery.recover(image, cut);
                checked += checkPromises(image, rec.promises(), cut, dump);
            } catch (AssertionError | Exception e) {
                Path kept = dir.getParent().resolve("ext4j-crash-failed.img");
                Files.copy(image, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                throw new AssertionError("crash image " + cut.label() + " (kept, after recovery, as " + kept + "): "
                        + e.getMessage(), e);
            }
        }
        return checked;
    }

    /** Every promise made before the cut's durable point holds: the fsync'd file reads back whole (debugfs). */
    private static int checkPromises(Path image, List<CrashWorkload.Promise> promises, CrashImages.Cut cut, Path dump)
            throws IOException {
        List<CrashWorkload.Promise> due = promises.stream().filter(p -> p.position() <= cut.durable()).toList();
        if (due.isEmpty()) {
            return 0;
        }
        deleteTree(dump);
        Files.createDirectories(dump);
        new Debugfs(image).rdump("/a", dump);
        for (CrashWorkload.Promise p : due) {
            Path file = dump.resolve(p.path().substring(1));
            if (!Files.isRegularFile(file)) {
                fail(p.path() + " was fsync'd at event " + p.position() + " but is missing");
            }
            assertArrayEquals(p.content(), Files.readAllBytes(file), p.path() + " was fsync'd at event " + p.position());
        }
        return due.size();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static TreeDiff.Options treeOptions() {
        return new TreeDiff.Options(true, true, TreeDiff.TimePrecision.SECONDS, false, false, false, java.util.Set.of());
    }
}
