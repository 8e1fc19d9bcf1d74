package org.ext4j.core.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.io.OverlayBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals written by debugfs's jbd2 writer (jo/jw/jc), replayed by {@link JournalRecovery} and
 * compared block by block with e2fsck's replay of the same image.
 */
class JournalRecoveryDebugfsTest {
    @TempDir
    Path dir;

    private final Random random = new Random(4711);

    /** A fresh image with /f1 (five 1 KiB blocks of random data) made by mkfs.ext4 -d. */
    private Path makeImage(String name, String... mkfsOptions) throws Exception {
        Path src = dir.resolve(name + "-src");
        Files.createDirectories(src);
        Files.write(src.resolve("f1"), randomBytes(5 * 1024));
        Files.writeString(src.resolve("small"), "hello\n");
        Path image = dir.resolve(name + ".img");
        List<String> options = new ArrayList<>(List.of("-t", "ext4", "-d", src.toString()));
        options.addAll(List.of(mkfsOptions));
        return ImageFactory.mkfs(image, "32M", options.toArray(String[]::new));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Path dataFile(byte[] content) throws IOException {
        Path f = Files.createTempFile(dir, "blocks", ".bin");
        Files.write(f, content);
        return f;
    }

    private static String list(long... blocks) {
        StringJoiner j = new StringJoiner(",");
        for (long b : blocks) {
            j.add(Long.toString(b));
        }
        return j.toString();
    }

    /** The outcome of replaying one image three ways. */
    record Replay(RecoveryResult result, byte[] overlay, byte[] e2fsck, byte[] ours, int blockSize) {
        byte[] overlayBlock(long b) {
            return Arrays.copyOfRange(overlay, (int) (b * blockSize), (int) ((b + 1) * blockSize));
        }
    }

    /**
     * Replays {@code image} into an overlay over the read-only image (which must stay unchanged),
     * into a writable copy (marked clean, then checked with e2fsck -fn), and has e2fsck replay
     * another copy; the three must agree on every block but the two superblocks.
     */
    private Replay replayAndCompare(Path image) throws Exception {
        int blockSize = Integer.parseInt(Tools.dumpe2fsField(image, "Block size"));
        long blocksCount = Long.parseLong(Tools.dumpe2fsField(image, "Block count"));
        long[] journal = CrashReplays.blocks(image, "<8>");
        assertTrue(Tools.dumpe2fsField(image, "Filesystem features").contains("needs_recovery"));
        String before = CrashReplays.sha256(image);

        RecoveryResult result;
        byte[] overlayBytes;
        try (OverlayBlockDevice overlay = new OverlayBlockDevice(FileBlockDevice.open(image, true), blockSize)) {
            result = JournalRecovery.recover(overlay, blockSize, blocksCount, CrashReplays.journalMap(journal), journal.length);
            overlayBytes = overlay.read(0, (int) overlay.size());
        }
        assertEquals(before, CrashReplays.sha256(image), "the read-only image was modified");

        Path fsckCopy = dir.resolve(image.getFileName() + ".e2fsck");
        Files.copy(image, fsckCopy);
        // Without -f: e2fsck replays the journal and stops, so nothing but the replay is compared.
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-y", "-E", "journal_only", fsckCopy.toString()));
        assertTrue(fsck.exitCode() == 0 || fsck.exitCode() == 1, "e2fsck journal replay failed: " + fsck);
        byte[] e2fsckBytes = Files.readAllBytes(fsckCopy);

        Path ourCopy = dir.resolve(image.getFileName() + ".ours");
        Files.copy(image, ourCopy);
        try (FileBlockDevice dev = FileBlockDevice.open(ourCopy, false)) {
            RecoveryResult again = JournalRecovery.recover(dev, blockSize, blocksCount, CrashReplays.journalMap(journal),
                    journal.length);
            assertEquals(result, again);
            JournalRecovery.markClean(dev, blockSize, blocksCount, CrashReplays.journalMap(journal), journal.length,
                    again.nextSequence());
            byte[] sb = dev.read(1024, 1024);
            JournalRecovery.clearRecoverFlag(sb);
            dev.write(1024, sb, 0, sb.length);
        }
        Tools.Result check = Tools.run(List.of("e2fsck", "-fn", ourCopy.toString()));
        assertEquals(0, check.exitCode(), "e2fsck -fn after our replay: " + check);
        byte[] ourBytes = Files.readAllBytes(ourCopy);

        long sbBlock = blockSize == 1024 ? 1 : 0;
        Set<Long> superblocks = Set.of(sbBlock, journal[0]);
        List<Long> overlayDiff = CrashReplays.differingBlocks(overlayBytes, e2fsckBytes, blockSize);
        assertTrue(superblocks.containsAll(overlayDiff), "overlay replay differs from e2fsck's in blocks " + overlayDiff);
        // After marking clean, our journal superblock is e2fsck's byte for byte; the ext4
        // superblock differs only where e2fsck also updates its own fields.
        List<Long> ourDiff = CrashReplays.differingBlocks(ourBytes, e2fsckBytes, blockSize);
        assertTrue(Set.of(sbBlock).containsAll(ourDiff), "our replay differs from e2fsck's in blocks " + ourDiff);
        return new Replay(result, overlayBytes, e2fsckBytes, ourBytes, blockSize);
    }

    @Test
    void csumV3TransactionReplacesAFileBlock() throws Exception {
        Path image = makeImage("v3");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] fresh = randomBytes(1024);
        debugfsWrite(image, "jo -c\njw -b " + f1[1] + " " + dataFile(fresh) + "\njc\n");
        assertTrue(Tools.dumpe2fsField(image, "Journal features").contains("journal_checksum_v3"));
        byte[] original = Files.readAllBytes(dir.resolve("v3-src/f1"));

        Replay r = replayAndCompare(image);
        assertEquals(1, r.result().transactionsReplayed());
        assertEquals(1, r.result().blocksReplayed());
        assertArrayEquals(fresh, r.overlayBlock(f1[1]));
        assertArrayEquals(Arrays.copyOfRange(original, 0, 1024), r.overlayBlock(f1[0]));

        // The file as debugfs reads it from our replayed copy carries the logged block.
        byte[] expected = original.clone();
        System.arraycopy(fresh, 0, expected, 1024, 1024);
        Path ours = dir.resolve("v3.img.ours");
        Path dumped = dir.resolve("f1.dump");
        new Debugfs(ours).run("dump /f1 " + dumped);
        assertArrayEquals(expected, Files.readAllBytes(dumped));
    }

    @Test
    void csumV2Journal() throws Exception {
        Path image = makeImage("v2");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] fresh = randomBytes(2048);
        debugfsWrite(image, "jo -c -v 2\njw -b " + list(f1[0], f1[4]) + " " + dataFile(fresh) + "\njc\n");
        assertTrue(Tools.dumpe2fsField(image, "Journal features").contains("journal_checksum_v2"));
        Replay r = replayAndCompare(image);
        assertEquals(2, r.result().blocksReplayed());
        assertArrayEquals(Arrays.copyOfRange(fresh, 0, 1024), r.overlayBlock(f1[0]));
        assertArrayEquals(Arrays.copyOfRange(fresh, 1024, 2048), r.overlayBlock(f1[4]));
    }

    @Test
    void journalWithoutChecksumsAnd32BitTags() throws Exception {
        Path image = makeImage("plain", "-O", "^metadata_csum,^64bit");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] fresh = randomBytes(1024);
        debugfsWrite(image, "jo\njw -b " + f1[2] + " " + dataFile(fresh) + "\njc\n");
        String features = Tools.dumpe2fsField(image, "Journal features");
        assertFalse(features.contains("checksum") || features.contains("64bit"), features);
        Replay r = replayAndCompare(image);
        assertEquals(1, r.result().blocksReplayed());
        assertArrayEquals(fresh, r.overlayBlock(f1[2]));
    }

    @Test
    void fourKiBlocksWith64BitTags() throws Exception {
        Path image = makeImage("4k", "-b", "4096");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] fresh = randomBytes(4096);
        debugfsWrite(image, "jo -c\njw -b " + f1[0] + " " + dataFile(fresh) + "\njc\n");
        Replay r = replayAndCompare(image);
        assertEquals(1, r.result().blocksReplayed());
        assertArrayEquals(fresh, r.overlayBlock(f1[0]));
    }

    @Test
    void revokeRecordsSuppressEarlierAndSameTransactionCopies() throws Exception {
        Path image = makeImage("revoke");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] t1 = randomBytes(2048);
        byte[] t3 = randomBytes(1024);
        byte[] t4 = randomBytes(1024);
        debugfsWrite(image, "jo -c\n"
                + "jw -b " + list(f1[0], f1[1]) + " " + dataFile(t1) + "\n"  // T1 logs f1[0], f1[1]
                + "jw -r " + list(f1[0], f1[3]) + " /dev/null\n"              // T2 revokes f1[0] (and f1[3])
                + "jw -b " + f1[1] + " " + dataFile(t3) + "\n"               // T3 logs f1[1] again
                + "jw -b " + f1[3] + " -r " + f1[3] + " " + dataFile(t4) + "\n" // T4 logs and revokes f1[3]
                + "jc\n");
        byte[] original = Files.readAllBytes(dir.resolve("revoke-src/f1"));
        Replay r = replayAndCompare(image);
        assertEquals(4, r.result().transactionsReplayed());
        assertEquals(3, r.result().revokeRecords());
        assertEquals(2, r.result().revokeHits());
        assertArrayEquals(Arrays.copyOfRange(original, 0, 1024), r.overlayBlock(f1[0]));
        assertArrayEquals(t3, r.overlayBlock(f1[1]));
        assertArrayEquals(Arrays.copyOfRange(original, 3072, 4096), r.overlayBlock(f1[3]));
    }

    @Test
    void manyTransactionsAndMultiDescriptorTransaction() throws Exception {
        Path image = makeImage("many");
        String free = new Debugfs(image).run("ffb 150 20000");
        long[] blocks = Arrays.stream(free.substring(free.indexOf(':') + 1).trim().split("\\s+"))
                .mapToLong(Long::parseLong).toArray();
        assertEquals(150, blocks.length);
        byte[] big = randomBytes(100 * 1024);
        byte[] second = randomBytes(50 * 1024);
        byte[] third = randomBytes(10 * 1024);
        // 100 tags of 16 bytes do not fit one 1 KiB descriptor: this transaction needs two.
        debugfsWrite(image, "jo -c\n"
                + "jw -b " + list(Arrays.copyOfRange(blocks, 0, 100)) + " " + dataFile(big) + "\n"
                + "jw -b " + list(Arrays.copyOfRange(blocks, 100, 150)) + " " + dataFile(second) + "\n"
                + "jw -b " + list(Arrays.copyOfRange(blocks, 0, 10)) + " " + dataFile(third) + "\n"
                + "jc\n");
        Replay r = replayAndCompare(image);
        assertEquals(3, r.result().transactionsReplayed());
        assertEquals(160, r.result().blocksReplayed());
        assertArrayEquals(Arrays.copyOfRange(third, 0, 1024), r.overlayBlock(blocks[0]));
        assertArrayEquals(Arrays.copyOfRange(big, 10 * 1024, 11 * 1024), r.overlayBlock(blocks[10]));
        assertArrayEquals(Arrays.copyOfRange(second, 49 * 1024, 50 * 1024), r.overlayBlock(blocks[149]));
    }

    @Test
    void uncommittedTailIsNotReplayed() throws Exception {
        Path image = makeImage("tail");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] committed = randomBytes(1024);
        byte[] uncommitted = randomBytes(1024);
        debugfsWrite(image, "jo -c\n"
                + "jw -b " + f1[0] + " " + dataFile(committed) + "\n"
                + "jw -c -b " + f1[1] + " " + dataFile(uncommitted) + "\n"
                + "jc\n");
        byte[] original = Files.readAllBytes(dir.resolve("tail-src/f1"));
        Replay r = replayAndCompare(image);
        assertEquals(1, r.result().transactionsReplayed());
        assertEquals(3, r.result().nextSequence());
        assertArrayEquals(committed, r.overlayBlock(f1[0]));
        assertArrayEquals(Arrays.copyOfRange(original, 1024, 2048), r.overlayBlock(f1[1]));
    }

    @Test
    void blockStartingWithTheJournalMagicIsEscapedAndRestored() throws Exception {
        Path image = makeImage("escape");
        long[] f1 = CrashReplays.blocks(image, "/f1");
        byte[] magic = randomBytes(1024);
        magic[0] = (byte) 0xC0;
        magic[1] = (byte) 0x3B;
        magic[2] = (byte) 0x39;
        magic[3] = (byte) 0x98;
        debugfsWrite(image, "jo -c\njw -b " + f1[3] + " " + dataFile(magic) + "\njc\n");
        Replay r = replayAndCompare(image);
        assertEquals(1, r.result().blocksReplayed());
        assertArrayEquals(magic, r.overlayBlock(f1[3]));
    }

    /** Runs a debugfs -w script (journal writing requests, one per line) on {@code image}. */
    private static void debugfsWrite(Path image, String script) {
        new Debugfs(image).write(script.lines().toList());
    }
}
