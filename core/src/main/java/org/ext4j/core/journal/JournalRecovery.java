package org.ext4j.core.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Replays a dirty jbd2 journal into the filesystem, as the kernel does at mount: a scan pass finds
 * the end of the log, a revoke pass collects revoke records, a replay pass writes every logged
 * block that no later-or-equal transaction revoked.
 *
 * <p>Where this differs from fs/jbd2/recovery.c, it is on the side of writing less and failing
 * before writing: target blocks are validated for the whole log before the first write; with
 * async commit the first commit block with a bad checksum ends the log (the kernel may move the
 * end past it to a later bad commit); a descriptor whose blocks would run past the log's length
 * ends the log; read errors abort instead of skipping the block. A journal with fast-commit
 * records for the transaction after the log is refused: replaying only the full transactions would
 * lose the fsync'd changes the fast commits hold.
 */
public final class JournalRecovery {
    /** ext4 superblock fields used by {@link #clearRecoverFlag}. */
    static final int EXT4_S_MAGIC = 0x38;
    static final int EXT4_S_FEATURE_INCOMPAT = 0x60;
    static final int EXT4_S_FEATURE_RO_COMPAT = 0x64;
    static final int EXT4_S_CHECKSUM = 0x3FC;
    static final int EXT4_SUPER_MAGIC = 0xEF53;
    static final int EXT4_FEATURE_INCOMPAT_RECOVER = 0x4;
    static final int EXT4_FEATURE_RO_COMPAT_METADATA_CSUM = 0x400;

    /** ext4 fast-commit record fields (little-endian ext4_fc_tl and ext4_fc_head). */
    static final int FC_TAG = 0x0;
    static final int FC_HEAD_TID = 0x8;
    static final int EXT4_FC_TAG_HEAD = 0x9;

    private JournalRecovery() {
    }

    /**
     * Reads and validates the journal superblock.
     *
     * @param fsDevice the filesystem's device, which holds the (internal) journal
     * @param fsBlockSize the filesystem block size
     * @param fsBlocksCount blocks in the filesystem; every block read or written must be below it
     * @param journalBlockToFsBlock the journal inode's block map (journal block to filesystem block)
     * @param journalBlocks the journal inode's size in blocks
     */
    public static JournalSuperblock readSuperblock(BlockDevice fsDevice, int fsBlockSize, long fsBlocksCount,
                                                   LongUnaryOperator journalBlockToFsBlock, long journalBlocks)
            throws IOException {
        JournalLog log = new JournalLog(fsDevice, fsBlockSize, fsBlocksCount, journalBlockToFsBlock, journalBlocks);
        return JournalSuperblock.parse(log.read(0), fsBlockSize, journalBlocks);
    }

    /**
     * Replays the journal into {@code fsDevice} (wrap a read-only device in an
     * {@link org.ext4j.core.io.OverlayBlockDevice}). Does not touch the journal superblock or the
     * ext4 superblock: after success call {@link #markClean} and clear the ext4 RECOVER flag.
     * Parameters as in {@link #readSuperblock}.
     *
     * @throws CorruptionException if the journal contradicts itself in a way that forbids replay
     * @throws Ext4Exception EOPNOTSUPP for unknown journal features or fast commits to replay,
     *         EROFS if the log is dirty and {@code fsDevice} is read-only
     */
    public static RecoveryResult recover(BlockDevice fsDevice, int fsBlockSize, long fsBlocksCount,
                                         LongUnaryOperator journalBlockToFsBlock, long journalBlocks)
            throws IOException {
        JournalLog log = new JournalLog(fsDevice, fsBlockSize, fsBlocksCount, journalBlockToFsBlock, journalBlocks);
        JournalSuperblock sb = JournalSuperblock.parse(log.read(0), fsBlockSize, journalBlocks);
        if (sb.isClean()) {
            return new RecoveryResult(true, sb.sequence(), sb.sequence(), 0, 0, 0, 0, List.of(), OptionalLong.empty(),
                    sb.errno(), (sb.sequence() + 1) & 0xffffffffL);
        }
        if (fsDevice.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS,
                    "the journal needs recovery but the device is read-only; replay into an OverlayBlockDevice");
        }
        LogScan scan = scan(log, sb);
        refuseFastCommits(log, sb, scan.end);
        validateTargets(log, scan);

        RevokeTable revokes = new RevokeTable(scan.plan.distinctFsBlocks());
        long revokeRecords = 0;
        for (RevokeAt r : scan.revokes) {
            for (long block : RevokeBlock.records(sb, log.read(r.journalBlock), r.journalBlock)) {
                revokes.revoke(block, r.sequence);
                revokeRecords++;
            }
        }

        long replayed = 0;
        long revokeHits = 0;
        List<Long> badChecksum = new ArrayList<>();
        int seed = sb.checksumSeed();
        boolean v3 = sb.hasIncompat(JournalFeatures.INCOMPAT_CSUM_V3);
        ReplayPlan plan = scan.plan;
        for (int i = 0; i < plan.size(); i++) {
            JournalBlockTag tag = plan.tag(i);
            if (revokes.isRevoked(tag.fsBlock(), plan.sequence(i))) {
                revokeHits++;
                continue;
            }
            byte[] data = log.read(plan.journalBlock(i));
            if (sb.hasCsumV2orV3()) {
                int computed = JournalChecksums.dataBlock(seed, plan.sequence(i), data);
                boolean ok = v3 ? computed == tag.checksum() : (computed & 0xffff) == tag.checksum();
                if (!ok) {
                    // Like the kernel: keep replaying the rest, and let the caller fail or flag the filesystem.
                    badChecksum.add(tag.fsBlock());
                    continue;
                }
            }
            if (tag.escaped()) {
                BigEndian.put32(data, JournalHeader.H_MAGIC, JournalHeader.JBD2_MAGIC_NUMBER);
            }
            fsDevice.write(tag.fsBlock() * fsBlockSize, data, 0, fsBlockSize);
            replayed++;
        }
        fsDevice.flush();
        long first = sb.sequence();
        long end = scan.end & 0xffffffffL;
        return new RecoveryResult(false, first, end, (end - first) & 0xffffffffL, replayed, revokeRecords, revokeHits,
                badChecksum, scan.failedCommit, sb.errno(), (end + 1) & 0xffffffffL);
    }

    /**
     * Marks the journal empty after a replay: s_start 0, s_sequence {@code nextSequence} (from
     * {@link RecoveryResult#nextSequence()}), checksum updated. Other parameters as in {@link #readSuperblock}.
     */
    public static void markClean(BlockDevice fsDevice, int fsBlockSize, long fsBlocksCount,
                                 LongUnaryOperator journalBlockToFsBlock, long journalBlocks, long nextSequence)
            throws IOException {
        JournalLog log = new JournalLog(fsDevice, fsBlockSize, fsBlocksCount, journalBlockToFsBlock, journalBlocks);
        long offset = log.fsBlockOf(0) * fsBlockSize;
        JournalSuperblock sb = JournalSuperblock.parse(fsDevice.read(offset, JournalSuperblock.SIZE), fsBlockSize,
                journalBlocks);
        byte[] emptied = sb.emptied(nextSequence);
        fsDevice.write(offset, emptied, 0, emptied.length);
        fsDevice.flush();
    }

    /**
     * Clears INCOMPAT_RECOVER (needs_recovery) in a raw 1024-byte ext4 superblock and, with
     * metadata_csum, recomputes its crc32c (over bytes 0..0x3FB, stored little-endian at 0x3FC).
     */
    public static void clearRecoverFlag(byte[] ext4Superblock) {
        setRecoverFlag(ext4Superblock, 0, false);
    }

    /**
     * Sets or clears INCOMPAT_RECOVER in the 1024-byte ext4 superblock at {@code off} of
     * {@code bytes} and, with metadata_csum, recomputes its crc32c. Every other byte is kept.
     */
    static void setRecoverFlag(byte[] bytes, int off, boolean needsRecovery) {
        if (!(off >= 0 && bytes.length - off >= 1024)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "ext4 superblock: only " + (bytes.length - off) + " bytes");
        }
        if (!(LittleEndian.u16(bytes, off + EXT4_S_MAGIC) == EXT4_SUPER_MAGIC)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "ext4 superblock: bad magic");
        }
        long incompat = LittleEndian.u32(bytes, off + EXT4_S_FEATURE_INCOMPAT);
        incompat = needsRecovery ? incompat | EXT4_FEATURE_INCOMPAT_RECOVER : incompat & ~EXT4_FEATURE_INCOMPAT_RECOVER;
        LittleEndian.put32(bytes, off + EXT4_S_FEATURE_INCOMPAT, incompat);
        if ((LittleEndian.u32(bytes, off + EXT4_S_FEATURE_RO_COMPAT) & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM) != 0) {
            int csum = Crc32c.update(Crc32c.INITIAL, bytes, off, EXT4_S_CHECKSUM);
            LittleEndian.put32(bytes, off + EXT4_S_CHECKSUM, csum & 0xffffffffL);
        }
    }

    /** True when tid {@code a} comes before tid {@code b}, comparing modulo 2^32 as jbd2 does. */
    static boolean tidBefore(int a, int b) {
        return a - b < 0;
    }

    /** A revoke block of a transaction. */
    private record RevokeAt(long journalBlock, int sequence) {
    }

    /** What the scan pass learnt: where the log ends, what it logs, where its revoke blocks are. */
    private static final class LogScan {
        final ReplayPlan plan = new ReplayPlan();
        final List<RevokeAt> revokes = new ArrayList<>();
        int end;
        OptionalLong failedCommit = OptionalLong.empty();
    }

    /**
     * The scan pass: follows the log from s_start while blocks carry the magic and the expected
     * transaction id, checking checksums as the kernel's PASS_SCAN does. Reads at most the log's
     * length in blocks, so a log that loops on itself ends.
     */
    private static LogScan scan(JournalLog log, JournalSuperblock sb) throws IOException {
        LogScan result = new LogScan();
        ReplayPlan plan = result.plan;
        int seed = sb.checksumSeed();
        boolean csum = sb.hasCsumV2orV3();
        boolean v1Checksum = sb.hasCompat(JournalFeatures.COMPAT_CHECKSUM);
        boolean asyncCommit = sb.hasIncompat(JournalFeatures.INCOMPAT_ASYNC_COMMIT);
        long first = sb.first();
        long last = sb.last();
        long logLength = last - first;

        int next = (int) sb.sequence();
        long pos = sb.start();
        long consumed = 0;
        int crc32Sum = Crc32c.INITIAL;
        // A descriptor or revoke block of the current transaction failed its checksum: the commit
        // time decides between a stale block (end of log) and corruption (kernel: need_check_commit_time).
        long badBlockAt = -1;
        long lastCommitTime = 0;
        List<RevokeAt> pendingRevokes = new ArrayList<>();
        int planMark = 0;

        scan:
        while (consumed < logLength) {
            long at = pos;
            byte[] block = log.read(at);
            pos = wrap(pos + 1, first, last);
            consumed++;
            if (!JournalHeader.hasMagic(block) || JournalHeader.sequence(block) != next) {
                break;
            }
            switch (JournalHeader.blockType(block)) {
                case JournalHeader.DESCRIPTOR_BLOCK -> {
                    if (csum && !JournalChecksums.blockTailMatches(seed, block)) {
                        badBlockAt = at;
                    }
                    List<JournalBlockTag> tags = DescriptorBlock.tags(sb, block);
                    if (consumed + tags.size() > logLength) {
                        // Its blocks would overlap the start of the log: no commit can follow.
                        break scan;
                    }
                    boolean sumV1 = v1Checksum && badBlockAt < 0;
                    if (sumV1) {
                        crc32Sum = Crc32Be.update(crc32Sum, block, 0, block.length);
                    }
                    for (JournalBlockTag tag : tags) {
                        if (sumV1) {
                            byte[] data = log.read(pos);
                            crc32Sum = Crc32Be.update(crc32Sum, data, 0, data.length);
                        }
                        plan.add(next, pos, tag);
                        pos = wrap(pos + 1, first, last);
                        consumed++;
                    }
                }
                case JournalHeader.COMMIT_BLOCK -> {
                    long commitTime = CommitBlock.commitSeconds(block);
                    boolean older = Long.compareUnsigned(commitTime, lastCommitTime) < 0;
                    if (badBlockAt >= 0) {
                        if (!older) {
                            throw new CorruptionException(CorruptionException.Structure.JOURNAL, "journal transaction " + Integer.toUnsignedString(next)
                                    + ": block " + badBlockAt + " of its log fails its checksum");
                        }
                        break scan;
                    }
                    boolean bad = false;
                    if (v1Checksum) {
                        if (CommitBlock.v1ChecksumAccepts(block, crc32Sum)) {
                            crc32Sum = Crc32c.INITIAL;
                        } else {
                            bad = true;
                        }
                    }
                    if (!bad && csum && !JournalChecksums.commitMatches(seed, block)) {
                        bad = true;
                    }
                    if (bad) {
                        // A commit older than its predecessor is a stale block from an earlier use of the journal.
                        if (!older && !asyncCommit) {
                            result.failedCommit = OptionalLong.of(next & 0xffffffffL);
                        }
                        break scan;
                    }
                    lastCommitTime = commitTime;
                    result.revokes.addAll(pendingRevokes);
                    pendingRevokes.clear();
                    planMark = plan.size();
                    next++;
                }
                case JournalHeader.REVOKE_BLOCK -> {
                    if (csum && !JournalChecksums.blockTailMatches(seed, block)) {
                        badBlockAt = at;
                    }
                    pendingRevokes.add(new RevokeAt(at, next));
                }
                default -> {
                    break scan;
                }
            }
        }
        result.end = next;
        plan.truncateAt(next);
        if (plan.size() != planMark) {
            throw new IllegalStateException("replay plan holds blocks of uncommitted transaction " + next);
        }
        return result;
    }

    private static long wrap(long pos, long first, long last) {
        return pos >= last ? pos - (last - first) : pos;
    }

    /**
     * Refuses a journal whose fast-commit area starts with a head for the transaction after the
     * log (the only case in which ext4 replays fast commits).
     */
    private static void refuseFastCommits(JournalLog log, JournalSuperblock sb, int end) throws IOException {
        if (!sb.hasIncompat(JournalFeatures.INCOMPAT_FAST_COMMIT) || sb.fastCommitFirst() >= sb.maxLen()) {
            return;
        }
        byte[] head = log.read(sb.fastCommitFirst());
        if (LittleEndian.u16(head, FC_TAG) == EXT4_FC_TAG_HEAD && LittleEndian.s32(head, FC_HEAD_TID) == end) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "the journal holds fast commits for transaction "
                    + Integer.toUnsignedString(end) + ", which ext4j cannot replay; run e2fsck or mount with the kernel first");
        }
    }

    private static void validateTargets(JournalLog log, LogScan scan) {
        ReplayPlan plan = scan.plan;
        for (int i = 0; i < plan.size(); i++) {
            long target = plan.fsBlock(i);
            if (target < 0 || target >= log.fsBlocksCount()) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL, "journal transaction " + Integer.toUnsignedString(plan.sequence(i))
                        + " logs filesystem block " + Long.toUnsignedString(target) + " at journal block "
                        + plan.journalBlock(i) + ", beyond the filesystem's " + log.fsBlocksCount() + " blocks");
            }
        }
    }
}
