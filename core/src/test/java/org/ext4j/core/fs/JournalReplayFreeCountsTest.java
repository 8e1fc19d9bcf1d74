package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel keeps s_free_blocks_count and s_free_inodes_count in per-cpu counters and writes
 * them only at commit_super (unmount, sync of the superblock), not in the journal: after a
 * crash, the superblock the journal replays is older than the group descriptors it replays.
 * The kernel's mount sums the descriptors again; so must ext4j's read-write open after a replay,
 * or e2fsck -fn finds "Free blocks count wrong".
 */
class JournalReplayFreeCountsTest {
    /** Allocates and frees blocks and inodes in several committed transactions, then crashes with the log flushed. */
    private static final String WORKLOAD = "set -e; for i in $(seq 1 60); do head -c $((i * 3000)) /dev/urandom > f$i; done;"
            + " mkdir d; for i in $(seq 1 40); do echo $i > d/e$i; done; sync;"
            + " rm f1 f2 f3 d/e1; head -c 700000 /dev/urandom > big; mkdir d2; sync;"
            + " rm f10; echo last > last; xfs_io -c fsync last; xfs_io -x -c 'shutdown -f' .";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "mkfs {0}")
    @ValueSource(strings = {"-b 4096", "-b 1024 -O ^64bit,^metadata_csum"})
    void aReadWriteOpenAfterReplayingAKernelJournalLeavesTheFreeCountsRight(String mkfsOptions) throws Exception {
        Path image = dir.resolve("crash.img");
        List<String> options = new java.util.ArrayList<>(List.of("-t", "ext4"));
        options.addAll(List.of(mkfsOptions.split(" ")));
        ImageFactory.mkfs(image, "64M", options.toArray(String[]::new));
        Tools.onKernelMount(image, dir.resolve("mnt"), "", WORKLOAD);
        assertTrue(Tools.dumpe2fsField(image, "Filesystem features").contains("needs_recovery"),
                "the shutdown left no journal to recover");
        String staleFree = Tools.dumpe2fsField(image, "Free blocks");
        Path byKernel = Files.copy(image, dir.resolve("kernel.img"));
        Tools.onKernelMount(byKernel, dir.resolve("mnt"), "", "true");

        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            assertNotNull(volume.fileSystem().recovery(), "the open replayed the journal");
            assertFalse(volume.isReadOnly());
        }
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", image.toString()), Duration.ofSeconds(120));
        assertFalse(fsck.stdout().contains("count wrong"), fsck.describe("found wrong counts"));
        assertEquals(0, fsck.exitCode(), fsck.describe("exited " + fsck.exitCode()));
        // The counts the kernel's own replay, mount and unmount leave.
        assertEquals(Tools.dumpe2fsField(byKernel, "Free blocks"), Tools.dumpe2fsField(image, "Free blocks"));
        assertEquals(Tools.dumpe2fsField(byKernel, "Free inodes"), Tools.dumpe2fsField(image, "Free inodes"));
        System.out.println(mkfsOptions + ": free blocks " + staleFree + " in the crashed superblock, "
                + Tools.dumpe2fsField(image, "Free blocks") + " after the replay");
    }
}
