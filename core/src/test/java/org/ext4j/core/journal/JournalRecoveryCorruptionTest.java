package org.ext4j.core.journal;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A debugfs-written journal (csum v3: T1 logs f1[0], T2 logs f1[1]) damaged in memory: recovery
 * must skip, stop or refuse as the kernel would, never write through garbage, and always end.
 */
class JournalRecoveryCorruptionTest {
    private static final int BS = 1024;

    @TempDir
    Path dir;

    private byte[] image;
    private long[] journal;
    private long[] f1;
    private long blocksCount;
    private byte[] t1;
    private byte[] t2;

    @BeforeEach
    void makeJournal() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Random random = new Random(99);
        byte[] content = new byte[5 * BS];
        random.nextBytes(content);
        Files.write(src.resolve("f1"), content);
        Path img = dir.resolve("c.img");
        ImageFactory.mkfs(img, "16M", "-t", "ext4", "-b", "1024", "-d", src.toString());
        f1 = CrashReplays.blocks(img, "/f1");
        t1 = new byte[BS];
        t2 = new byte[BS];
        random.nextBytes(t1);
        random.nextBytes(t2);
        Files.write(dir.resolve("t1"), t1);
        Files.write(dir.resolve("t2"), t2);
        new Debugfs(img).write(List.of("jo -c", "jw -b " + f1[0] + " " + dir.resolve("t1"),
                "jw -b " + f1[1] + " " + dir.resolve("t2"), "jc"));
        journal = CrashReplays.blocks(img, "<8>");
        blocksCount = Long.parseLong(Tools.dumpe2fsField(img, "Block count"));
        image = Files.readAllBytes(img);
        // The layout debugfs wrote: descriptor, data, commit for each transaction from journal block 1.
        assertEquals(JournalHeader.DESCRIPTOR_BLOCK, JournalHeader.blockType(journalBlock(1)));
        assertEquals(JournalHeader.COMMIT_BLOCK, JournalHeader.blockType(journalBlock(3)));
        assertEquals(JournalHeader.COMMIT_BLOCK, JournalHeader.blockType(journalBlock(6)));
    }

    private int offsetOf(long jblk) {
        return (int) (journal[(int) jblk] * BS);
    }

    private byte[] journalBlock(long jblk) {
        return Arrays.copyOfRange(image, offsetOf(jblk), offsetOf(jblk) + BS);
    }

    private void putJournalBlock(long jblk, byte[] block) {
        System.arraycopy(block, 0, image, offsetOf(jblk), BS);
    }

    private byte[] fsBlock(byte[] img, long b) {
        return Arrays.copyOfRange(img, (int) (b * BS), (int) ((b + 1) * BS));
    }

    private RecoveryResult recover(MemoryBlockDevice dev) throws Exception {
        return recover(dev, CrashReplays.journalMap(journal));
    }

    private RecoveryResult recover(MemoryBlockDevice dev, LongUnaryOperator map) throws Exception {
        return JournalRecovery.recover(dev, BS, blocksCount, map, journal.length);
    }

    /** Rewrites the journal superblock through {@code edit}, then fixes its checksum. */
    private void editSuperblock(java.util.function.Consumer<byte[]> edit) {
        byte[] sb = journalBlock(0);
        edit.accept(sb);
        BigEndian.put32(sb, JournalSuperblock.S_CHECKSUM, JournalSuperblock.checksumOf(sb));
        putJournalBlock(0, sb);
    }

    /** Recomputes the block tail checksum of a descriptor or revoke block after an edit. */
    private void fixTail(byte[] block) {
        int seed = Crc32c.update(Crc32c.INITIAL, journalBlock(0), JournalSuperblock.S_UUID, 16);
        int crc = Crc32c.updateZeros(Crc32c.update(seed, block, 0, BS - 4), 4);
        BigEndian.put32(block, BS - 4, crc);
    }

    @Test
    void intactJournalReplaysBothTransactions() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev);
        assertEquals(2, r.transactionsReplayed());
        assertArrayEquals(t1, fsBlock(dev.toByteArray(), f1[0]));
        assertArrayEquals(t2, fsBlock(dev.toByteArray(), f1[1]));
    }

    @Test
    void badDataBlockChecksumSkipsOnlyThatBlock() throws Exception {
        byte[] data = journalBlock(2);
        data[100] ^= 1;
        putJournalBlock(2, data);
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev);
        assertEquals(List.of(f1[0]), r.badChecksumBlocks());
        assertEquals(1, r.blocksReplayed());
        assertArrayEquals(fsBlock(image, f1[0]), fsBlock(dev.toByteArray(), f1[0]));
        assertArrayEquals(t2, fsBlock(dev.toByteArray(), f1[1]));
    }

    @Test
    void badCommitChecksumEndsTheLogAndIsReported() throws Exception {
        byte[] commit = journalBlock(6);
        commit[200] ^= 1;
        putJournalBlock(6, commit);
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev);
        assertEquals(1, r.transactionsReplayed());
        assertEquals(OptionalLong.of(2), r.failedCommit());
        assertArrayEquals(fsBlock(image, f1[1]), fsBlock(dev.toByteArray(), f1[1]));
    }

    @Test
    void badDescriptorChecksumInACommittedTransactionIsCorruption() throws Exception {
        byte[] desc = journalBlock(1);
        desc[600] ^= 1;
        putJournalBlock(1, desc);
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        assertThrows(CorruptionException.class, () -> recover(dev));
        assertArrayEquals(image, dev.toByteArray());
    }

    @Test
    void targetBeyondTheFilesystemIsRefusedBeforeAnyWrite() throws Exception {
        byte[] desc = journalBlock(4);
        BigEndian.put32(desc, JournalHeader.SIZE + DescriptorBlock.T_BLOCKNR, blocksCount + 5);
        fixTail(desc);
        putJournalBlock(4, desc);
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        CorruptionException e = assertThrows(CorruptionException.class, () -> recover(dev));
        assertDamage(e, CorruptionException.Structure.JOURNAL);
        // Which check caught it only the message says.
        assertTrue(e.getMessage().contains("beyond the filesystem"), e.getMessage());
        assertArrayEquals(image, dev.toByteArray());
    }

    @Test
    void superblockDamageIsRefused() throws Exception {
        byte[] pristine = image.clone();
        byte[] sb = journalBlock(0);
        sb[0x80] ^= 1;
        putJournalBlock(0, sb);
        assertThrows(CorruptionException.class, () -> recover(new MemoryBlockDevice(image.clone(), false)));

        image = pristine.clone();
        editSuperblock(b -> BigEndian.put32(b, JournalSuperblock.S_FIRST, BigEndian.u32(b, JournalSuperblock.S_MAXLEN)));
        assertThrows(CorruptionException.class, () -> recover(new MemoryBlockDevice(image.clone(), false)));

        image = pristine.clone();
        editSuperblock(b -> BigEndian.put32(b, JournalSuperblock.S_MAXLEN, journal.length + 1L));
        assertThrows(CorruptionException.class, () -> recover(new MemoryBlockDevice(image.clone(), false)));

        image = pristine.clone();
        editSuperblock(b -> BigEndian.put32(b, JournalSuperblock.S_FEATURE_INCOMPAT,
                BigEndian.u32(b, JournalSuperblock.S_FEATURE_INCOMPAT) | 0x100));
        Ext4Exception e = assertThrows(Ext4Exception.class, () -> recover(new MemoryBlockDevice(image.clone(), false)));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
    }

    @Test
    void logOfRevokeBlocksWithoutCommitEnds() throws Exception {
        JournalSuperblock sb = JournalSuperblock.parse(journalBlock(0), BS, journal.length);
        for (long j = sb.first(); j < sb.last(); j++) {
            byte[] revoke = new byte[BS];
            BigEndian.put32(revoke, JournalHeader.H_MAGIC, JournalHeader.JBD2_MAGIC_NUMBER);
            BigEndian.put32(revoke, JournalHeader.H_BLOCKTYPE, JournalHeader.REVOKE_BLOCK);
            BigEndian.put32(revoke, JournalHeader.H_SEQUENCE, sb.sequence());
            BigEndian.put32(revoke, RevokeBlock.R_COUNT, 16);
            fixTail(revoke);
            putJournalBlock(j, revoke);
        }
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev);
        assertEquals(0, r.transactionsReplayed());
        assertArrayEquals(image, dev.toByteArray());
    }

    @Test
    void logThatWrapsAroundTheEndReplaysTheSame() throws Exception {
        JournalSuperblock sb = JournalSuperblock.parse(journalBlock(0), BS, journal.length);
        long first = sb.first();
        long length = sb.last() - first;
        long start = sb.last() - 2; // T1's descriptor and data at the end, its commit wraps to s_first
        // Present the same blocks rotated: journal block j holds what block first + (j - start) held.
        long[] rotated = journal.clone();
        for (long j = first; j < sb.last(); j++) {
            rotated[(int) j] = journal[(int) (first + Math.floorMod(j - start, length))];
        }
        editSuperblock(b -> BigEndian.put32(b, JournalSuperblock.S_START, start));
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev, CrashReplays.journalMap(rotated));
        assertEquals(2, r.transactionsReplayed());
        assertArrayEquals(t1, fsBlock(dev.toByteArray(), f1[0]));
        assertArrayEquals(t2, fsBlock(dev.toByteArray(), f1[1]));
    }

    @Test
    void dirtyJournalOnAReadOnlyDeviceIsRefused() {
        Ext4Exception e = assertThrows(Ext4Exception.class, () -> recover(new MemoryBlockDevice(image.clone(), true)));
        assertEquals(Errno.EROFS, e.errno());
    }

    @Test
    void markCleanEmptiesTheLog() throws Exception {
        MemoryBlockDevice dev = new MemoryBlockDevice(image.clone(), false);
        RecoveryResult r = recover(dev);
        JournalRecovery.markClean(dev, BS, blocksCount, CrashReplays.journalMap(journal), journal.length, r.nextSequence());
        RecoveryResult again = recover(dev);
        assertTrue(again.wasClean());
        assertEquals(r.nextSequence(), again.firstTransaction());
    }
}
