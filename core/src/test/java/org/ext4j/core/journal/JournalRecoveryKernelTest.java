package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.io.OverlayBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals written by the Linux kernel's ext4 (loop mount, a workload, then a shutdown that
 * commits the log but checkpoints nothing) replayed by {@link JournalRecovery} and by e2fsck.
 */
class JournalRecoveryKernelTest {
    @TempDir
    Path dir;

    /** Many synced rounds of creates and deletes: with a 1024-block journal the log wraps and holds revoke blocks. */
    private static final String WORKLOAD = "set -e; M=$1; for r in $(seq 1 40); do mkdir $M/r$r;"
            + " for i in $(seq 1 150); do echo \"file $r $i\" > $M/r$r/f$i; done; sync; rm -rf $M/r$((r-3)); done;"
            + " head -c 100000 /dev/urandom > $M/big; echo tail > $M/fc; xfs_io -c fsync $M/fc";

    /**
     * Makes an image with {@code mkfsOptions}, mounts it with {@code mountOptions}, runs the
     * workload and shuts the filesystem down with the log flushed. Skips the test if the
     * kernel mount is not possible here.
     */
    private Path crashedImage(String name, List<String> mkfsOptions, String mountOptions) throws Exception {
        return crashedImage(name, mkfsOptions, mountOptions, "shutdown -f");
    }

    /** As above, with the xfs_io shutdown command given ({@code "shutdown"} leaves the running transaction uncommitted). */
    private Path crashedImage(String name, List<String> mkfsOptions, String mountOptions, String shutdown)
            throws Exception {
        Path image = dir.resolve(name + ".img");
        List<String> options = new java.util.ArrayList<>(List.of("-t", "ext4", "-J", "size=1"));
        options.addAll(mkfsOptions);
        ImageFactory.mkfs(image, "64M", options.toArray(String[]::new));
        Path mnt = Files.createDirectories(dir.resolve(name + "-mnt"));
        Tools.Result mount = Tools.run(List.of("mount", "-o", "loop," + mountOptions, image.toString(), mnt.toString()));
        if (mount.exitCode() != 0) {
            detachLoops(image);
            System.out.println("skipping kernel journal test: mount failed: " + mount.stderr());
            Assumptions.abort("mount -o loop failed: " + mount.stderr());
        }
        try {
            Tools.runOk(List.of("bash", "-c", WORKLOAD, "workload", mnt.toString()));
            Tools.runOk(List.of("xfs_io", "-x", "-c", shutdown, mnt.toString()));
        } finally {
            Tools.Result umount = Tools.run(List.of("umount", mnt.toString()));
            detachLoops(image);
            assertEquals(0, umount.exitCode(), "umount: " + umount.stderr());
        }
        assertTrue(Tools.dumpe2fsField(image, "Filesystem features").contains("needs_recovery"),
                "the shutdown left no journal to recover");
        return image;
    }

    /** Detaches any loop device still attached to {@code image} (mount -o loop normally auto-clears). */
    private static void detachLoops(Path image) throws Exception {
        String attached = Tools.run(List.of("losetup", "-j", image.toString())).stdout();
        for (String line : attached.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                Tools.run(List.of("losetup", "-d", line.substring(0, colon)));
            }
        }
    }

    /**
     * Replays {@code image} ourselves (into a writable copy, and into an overlay over the image)
     * and with e2fsck -E journal_only (another copy), and compares the results block by block.
     */
    private RecoveryResult compareWithE2fsck(Path image) throws Exception {
        int blockSize = Integer.parseInt(Tools.dumpe2fsField(image, "Block size"));
        long blocksCount = Long.parseLong(Tools.dumpe2fsField(image, "Block count"));
        long[] journal = CrashReplays.blocks(image, "<8>");

        Path ours = dir.resolve(image.getFileName() + ".ours");
        Files.copy(image, ours);
        RecoveryResult result;
        try (FileBlockDevice dev = FileBlockDevice.open(ours, false)) {
            result = JournalRecovery.recover(dev, blockSize, blocksCount, CrashReplays.journalMap(journal), journal.length);
            JournalRecovery.markClean(dev, blockSize, blocksCount, CrashReplays.journalMap(journal), journal.length,
                    result.nextSequence());
            byte[] sb = dev.read(1024, 1024);
            JournalRecovery.clearRecoverFlag(sb);
            dev.write(1024, sb, 0, sb.length);
        }
        System.out.println(image.getFileName() + ": " + result);
        assertTrue(result.blocksReplayed() > 0);
        assertTrue(result.badChecksumBlocks().isEmpty());
        assertTrue(result.failedCommit().isEmpty());

        Path fsck = dir.resolve(image.getFileName() + ".e2fsck");
        Files.copy(image, fsck);
        Tools.Result replay = Tools.run(List.of("e2fsck", "-y", "-E", "journal_only", fsck.toString()));
        assertTrue(replay.exitCode() == 0 || replay.exitCode() == 1, "e2fsck replay: " + replay);

        byte[] ourBytes = Files.readAllBytes(ours);
        byte[] fsckBytes = Files.readAllBytes(fsck);
        long sbBlock = blockSize == 1024 ? 1 : 0;
        List<Long> diff = CrashReplays.differingBlocks(ourBytes, fsckBytes, blockSize);
        // The ext4 superblock differs legitimately: e2fsck also records its own state there
        // (s_kbytes_written, times, the journal's s_errno from the shutdown turned into EXT2_ERROR_FS).
        assertTrue(Set.of(sbBlock).containsAll(diff), "blocks replayed differently from e2fsck: " + diff);

        // The overlay over the untouched image sees the same blocks as the replayed copy.
        String before = CrashReplays.sha256(image);
        try (OverlayBlockDevice overlay = new OverlayBlockDevice(FileBlockDevice.open(image, true), blockSize)) {
            assertEquals(result, JournalRecovery.recover(overlay, blockSize, blocksCount,
                    CrashReplays.journalMap(journal), journal.length));
            byte[] overlayBytes = overlay.read(0, (int) overlay.size());
            List<Long> overlayDiff = CrashReplays.differingBlocks(overlayBytes, ourBytes, blockSize);
            assertTrue(Set.of(sbBlock, journal[0]).containsAll(overlayDiff), "overlay differs in " + overlayDiff);
        }
        assertEquals(before, CrashReplays.sha256(image));

        // Both replays leave a filesystem e2fsck judges the same way.
        assertEquals(Tools.run(List.of("e2fsck", "-fn", fsck.toString())).exitCode(),
                Tools.run(List.of("e2fsck", "-fn", ours.toString())).exitCode());
        Path dumped = dir.resolve(image.getFileName() + ".big");
        new Debugfs(ours).run("dump /r40/f150 " + dumped);
        assertArrayEquals("file 40 150\n".getBytes(), Files.readAllBytes(dumped));
        return result;
    }

    @Test
    void csumV3WrappedLogWithRevokes() throws Exception {
        Path image = crashedImage("v3", List.of(), "rw");
        assertTrue(Tools.dumpe2fsField(image, "Journal features").contains("journal_checksum_v3"));
        RecoveryResult r = compareWithE2fsck(image);
        assertTrue(r.transactionsReplayed() > 1);
        assertTrue(r.revokeRecords() > 0, "the workload should have logged revoke records");
    }

    @Test
    void v1TransactionChecksumsWith32BitBlocks() throws Exception {
        Path image = crashedImage("v1", List.of("-O", "^metadata_csum,^64bit"), "journal_checksum");
        String features = Tools.dumpe2fsField(image, "Journal features");
        assertTrue(features.contains("journal_checksum") && !features.contains("v2") && !features.contains("v3")
                && !features.contains("64bit"), features);
        compareWithE2fsck(image);
    }

    @Test
    void asyncCommitWithoutMetadataCsum() throws Exception {
        Path image = crashedImage("async", List.of("-O", "^metadata_csum"), "journal_async_commit,data=writeback");
        assertTrue(Tools.dumpe2fsField(image, "Journal features").contains("journal_async_commit"));
        compareWithE2fsck(image);
    }

    @Test
    void fastCommitsAreRefusedBeforeAnyWrite() throws Exception {
        // Without the log flush the transaction that the fsync's fast commit belongs to never
        // commits in full, so only the fast-commit area holds the file /fc.
        Path image = crashedImage("fc", List.of("-O", "fast_commit"), "rw", "shutdown");
        int blockSize = Integer.parseInt(Tools.dumpe2fsField(image, "Block size"));
        long blocksCount = Long.parseLong(Tools.dumpe2fsField(image, "Block count"));
        long[] journal = CrashReplays.blocks(image, "<8>");
        try (OverlayBlockDevice overlay = new OverlayBlockDevice(FileBlockDevice.open(image, true), blockSize)) {
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> JournalRecovery.recover(overlay, blockSize,
                    blocksCount, CrashReplays.journalMap(journal), journal.length));
            assertEquals(Errno.EOPNOTSUPP, e.errno());
            assertTrue(e.getMessage().contains("fast commit"), e.getMessage());
            assertEquals(0, overlay.overlaidChunks());
        }
        // debugfs, an independent reader, sees the fast-commit head that made us refuse.
        String logdump = new Debugfs(image).run("logdump");
        assertTrue(logdump.contains("tag HEAD"), logdump);
    }
}
