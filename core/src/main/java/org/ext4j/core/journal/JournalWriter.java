package org.ext4j.core.journal;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.view.BlockCache;
import org.ext4j.core.tx.CommitRecord;
import org.ext4j.core.tx.CommitWriter;
import org.ext4j.core.tx.CommittedBlock;
import org.ext4j.core.tx.FreedRange;
import org.ext4j.core.tx.InPlaceCommitWriter;

/**
 * Commits transactions to the internal jbd2 journal in ordered mode and later checkpoints them to
 * their home locations, as the kernel's jbd2 does: a crash at any write leaves an image that the
 * kernel, e2fsck or {@link JournalRecovery} replays to the last committed transaction.
 *
 * <p>One {@link #write} is one jbd2 transaction: revoke blocks, descriptor blocks each followed by
 * the copies of the blocks it tags, a flush, the commit block, a flush. The first flush also makes
 * the transaction's ordered file data durable before its commit block can be (the kernel's order:
 * data, log, flush, commit block with FUA); the second makes the commit durable before the caller
 * is told so. {@code journal_async_commit} is not used to skip either flush. The ext4 superblock says needs_recovery from before the first
 * commit until {@link #close()}, and every copy of it this writer logs or writes home says so too.
 *
 * <p>Logged blocks are pinned in the {@link BlockCache} until a checkpoint writes them home, so
 * readers never fall back to a stale home copy. Checkpoints are whole: every pending block goes
 * home and the log becomes empty (s_start 0), which keeps revoke bookkeeping trivial — a revoke is
 * needed exactly for a freed block that is still pending. The log itself does not restart at
 * s_first after a checkpoint: it goes on where it stopped and wraps around the circular area.
 *
 * <p>Thread-safety: the methods are synchronized; the transaction manager calls them with its
 * transaction lock held, and this class takes the cache monitor only inside cache calls.
 */
public final class JournalWriter implements CommitWriter {
    private static final long TID_MASK = 0xffffffffL;
    /** The most bytes one device write carries when consecutive log or home blocks are coalesced. */
    private static final int MAX_WRITE_BYTES = 1 << 20;

    private final BlockDevice device;
    private final BlockCache cache;
    private final Clock clock;
    private final int blockSize;
    private final JournalLog log;
    private final long superblockBlock;
    private final int superblockOffset;
    private final long logLength;
    private final InPlaceCommitWriter inPlace;
    /**
     * Home copies owed by committed transactions: filesystem block to its newest logged content.
     * A checkpoint writes these arrays, never the cache's, which may already hold newer content of
     * a running transaction that is not in the log yet.
     */
    private final TreeMap<Long, byte[]> pending = new TreeMap<>();

    /** The journal superblock as it should be on disk (features may be ahead until the first commit). */
    private JournalSuperblock jsb;
    /** The next journal block to write. */
    private long head;
    /** Journal blocks held by live (committed, not checkpointed) transactions; 0 when the log is empty. */
    private long used;
    private long nextTid;
    /** INCOMPAT_RECOVER is set in the ext4 superblock on disk. */
    private boolean recoverFlagSet;
    private boolean closed;
    /** Why an earlier write failed: the journal is aborted and nothing more is written. */
    private String aborted;

    private JournalWriter(DiskView fs, BlockCache cache, Clock clock, JournalLog log, JournalSuperblock jsb) {
        this.device = fs.device();
        this.cache = cache;
        this.clock = clock;
        this.blockSize = fs.blockSize();
        this.log = log;
        this.superblockBlock = Superblock.OFFSET / blockSize;
        this.superblockOffset = Superblock.OFFSET % blockSize;
        this.logLength = jsb.last() - jsb.first();
        this.inPlace = new InPlaceCommitWriter(device, blockSize);
        this.jsb = jsb;
        long savedHead = jsb.head();
        this.head = savedHead >= jsb.first() && savedHead < jsb.last() ? savedHead : jsb.first();
        // As jbd2 does after finding a clean log: skip one id, so no stale block can match the next.
        this.nextTid = (jsb.sequence() + 1) & TID_MASK;
    }

    /** {@link #open(DiskView, BlockCache, Clock)} with the system clock stamping commit blocks. */
    public static JournalWriter open(DiskView fs, BlockCache cache) {
        return open(fs, cache, Clock.systemUTC());
    }

    /**
     * A writer for the internal journal of {@code fs}, whose transactions go through {@code cache}
     * (the cache the {@link org.ext4j.core.tx.TransactionManager} is built on). Nothing is written
     * until the first commit. The journal keeps its checksum flavour (v1, v2, v3 or none); as the
     * kernel does at mount, a journal without checksums on a metadata_csum filesystem gets csum v3,
     * a 64bit filesystem gets 64-bit journal block numbers, and revoke is enabled when first used.
     *
     * @throws Ext4Exception EROFS for a read-only filesystem; EINVAL without an internal journal;
     *         EUCLEAN when the journal still needs recovery (it is replayed at open) or was aborted;
     *         EOPNOTSUPP for a version-1 journal superblock
     */
    public static JournalWriter open(DiskView fs, BlockCache cache, Clock clock) {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        Superblock sb = fs.superblock();
        if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) || sb.journalInum() == 0) {
            throw new Ext4Exception(Errno.EINVAL, "the filesystem has no internal journal");
        }
        try {
            byte[] onDisk = fs.device().read(Superblock.OFFSET, Superblock.SIZE);
            if ((Superblock.parse(onDisk).featureIncompat() & Features.INCOMPAT_RECOVER) != 0) {
                throw new Ext4Exception(Errno.EUCLEAN,
                        "the filesystem needs journal recovery; it must be replayed before the journal is written");
            }
            Inode journal = fs.inode(sb.journalInum());
            JournalBlockMap map = JournalBlockMap.of(fs, journal);
            JournalLog log = new JournalLog(fs.device(), fs.blockSize(), fs.blocksCount(), map, map.blocks());
            JournalSuperblock jsb = JournalSuperblock.parse(log.read(0), fs.blockSize(), map.blocks());
            if (jsb.formatVersion() != 2) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "the journal has a version-1 superblock, which ext4j does not write");
            }
            if (!jsb.isClean()) {
                throw new Ext4Exception(Errno.EUCLEAN, "the journal still holds transactions to replay (s_start "
                        + jsb.start() + "); it must be replayed before it is written");
            }
            if (jsb.errno() != 0) {
                throw new Ext4Exception(Errno.EUCLEAN, "the journal was aborted with error " + jsb.errno()
                        + "; run e2fsck on the image");
            }
            // The log needs a descriptor, a block and a commit block at least (jbd2 asks 1024 blocks).
            if (jsb.last() - jsb.first() < 4) {
                throw new Ext4Exception(Errno.EUCLEAN, "the journal's log of " + (jsb.last() - jsb.first())
                        + " blocks is too small to hold a transaction");
            }
            int compat = jsb.featureCompat();
            int incompat = jsb.featureIncompat();
            if (sb.is64Bit()) {
                incompat |= JournalFeatures.INCOMPAT_64BIT;
            }
            if (fs.hasMetadataCsum() && !jsb.hasCsumV2orV3()) {
                incompat |= JournalFeatures.INCOMPAT_CSUM_V3;
                compat &= ~JournalFeatures.COMPAT_CHECKSUM;
            }
            if (compat != jsb.featureCompat() || incompat != jsb.featureIncompat()) {
                jsb = jsb.edited(0, jsb.sequence(), jsb.head(), compat, incompat);
            }
            return new JournalWriter(fs, cache, clock, log, jsb);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "reading the journal failed: " + e.getMessage(), e);
        }
    }

    /** jbd2's j_max_transaction_buffers: a quarter of the log, so several transactions fit between checkpoints. */
    @Override
    public int maxRecordBlocks() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, logLength / 4));
    }

    @Override
    public synchronized void write(CommitRecord record) throws IOException {
        requireUsable();
        try {
            writeRecord(record);
        } catch (IOException | RuntimeException e) {
            aborted = "transaction " + Long.toUnsignedString(nextTid) + ": " + e.getMessage();
            throw e;
        }
    }

    /**
     * Writes every pending block home, flushes, and marks the log empty (s_start 0, s_sequence the
     * next transaction id, s_head where the next transaction goes), then unpins the blocks.
     */
    @Override
    public synchronized void checkpoint() throws IOException {
        requireUsable();
        try {
            checkpointAll();
        } catch (IOException | RuntimeException e) {
            aborted = "checkpoint: " + e.getMessage();
            throw e;
        }
    }

    /**
     * Checkpoints and clears needs_recovery, leaving an image that needs no replay. After a failed
     * write the journal is left as it is, with needs_recovery set, for the next open to replay.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed || aborted != null) {
            closed = true;
            return;
        }
        checkpoint();
        if (recoverFlagSet) {
            byte[] raw = device.read(Superblock.OFFSET, Superblock.SIZE);
            JournalRecovery.setRecoverFlag(raw, 0, false);
            device.write(Superblock.OFFSET, raw, 0, raw.length);
            device.flush();
            recoverFlagSet = false;
        }
        closed = true;
    }

    private void requireUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("the journal writer is closed");
        }
        if (aborted != null) {
            throw new IOException("the journal was aborted by an earlier failure (" + aborted + ")");
        }
    }

    private void writeRecord(CommitRecord record) throws IOException {
        FreedBlocks freed = new FreedBlocks(record.freed());
        // A block freed in the record it was logged in is dead: it is neither logged nor checkpointed.
        List<CommittedBlock> logged = new ArrayList<>(record.blocks().size());
        for (CommittedBlock b : record.blocks()) {
            if (!freed.contains(b.pblk())) {
                logged.add(b);
            }
        }
        long[] revokes = freed.pendingAmong(pending);
        if (logged.isEmpty() && revokes.length == 0) {
            if (record.hasOrderedData()) {
                device.flush();
            }
            return;
        }
        long needed = TransactionBlocks.count(jsb, blockSize, logged.size(), revokes.length);
        if (needed > logLength - 1) {
            writeInPlace(record, logged);
            return;
        }
        if (needed > logLength - 1 - used) {
            // Pending blocks this record frees go home too: until its commit block is on disk the
            // committed state still uses them. Afterwards nothing is pending, so nothing to revoke.
            checkpointAll();
            revokes = new long[0];
            needed = TransactionBlocks.count(jsb, blockSize, logged.size(), 0);
            if (logged.isEmpty()) {
                // Only revokes, now moot; the checkpoint's flush also made the ordered data durable.
                return;
            }
        }
        // Ordered data needs no flush of its own here: the flush before the commit block below
        // makes it durable before anything that points at it counts, in the log or at home.
        setRecoverFlag();
        int tid = (int) nextTid;
        int incompat = jsb.featureIncompat() | (revokes.length > 0 ? JournalFeatures.INCOMPAT_REVOKE : 0);
        if (used == 0 || incompat != jsb.featureIncompat()) {
            // The first transaction of an empty log, or a new feature: the superblock must say so
            // before the commit block is on disk (the flush below orders it).
            long start = used == 0 ? head : jsb.start();
            long sequence = used == 0 ? tid & TID_MASK : jsb.sequence();
            writeJournalSuperblock(jsb.edited(start, sequence, jsb.head(), jsb.featureCompat(), incompat));
        }
        TransactionBlocks built = TransactionBlocks.build(jsb, blockSize, tid, logged, revokes, this::homeContent);
        List<byte[]> blocks = built.blocks();
        Instant now = clock.instant();
        byte[] commit = CommitBlock.build(jsb, blockSize, tid, now.getEpochSecond(), now.getNano(), built.crc32Sum());
        writeLogBlocks(head, blocks);
        device.flush();
        writeLogBlocks(advance(head, blocks.size()), List.of(commit));
        device.flush();

        head = advance(head, needed);
        used += needed;
        nextTid = (nextTid + 1) & TID_MASK;
        for (long pblk : revokes) {
            pending.remove(pblk);
            cache.unpin(pblk);
        }
        for (CommittedBlock b : logged) {
            // The manager has installed the block already; a caller that writes records directly
            // may not have, and the cache pins only what it holds.
            cache.install(b.pblk(), b.content());
            if (pending.put(b.pblk(), b.content()) == null) {
                cache.pin(b.pblk());
            }
        }
    }

    /**
     * A record larger than the whole log cannot be journaled: after a checkpoint it is written in
     * place in {@link InPlaceCommitWriter}'s crash-conscious order. Atomicity is lost for this one
     * record (a crash in the middle leaves at worst leaked blocks and stale counters, which e2fsck
     * repairs); the manager keeps records below {@link #maxRecordBlocks()} so this is a fallback.
     */
    private void writeInPlace(CommitRecord record, List<CommittedBlock> logged) throws IOException {
        checkpointAll();
        List<CommittedBlock> blocks = new ArrayList<>(logged.size());
        for (CommittedBlock b : logged) {
            blocks.add(new CommittedBlock(b.pblk(), b.role(), b.original(), homeContent(b.pblk(), b.content())));
        }
        inPlace.write(new CommitRecord(record.sequence(), blocks, record.hasOrderedData(), record.freed()));
    }

    private void checkpointAll() throws IOException {
        if (pending.isEmpty() && used == 0) {
            return;
        }
        writeHome();
        device.flush();
        writeJournalSuperblock(jsb.edited(0, nextTid, head, jsb.featureCompat(), jsb.featureIncompat()));
        device.flush();
        for (long pblk : pending.keySet()) {
            cache.unpin(pblk);
        }
        pending.clear();
        used = 0;
    }

    /** Writes every pending block to its home location, consecutive blocks in one write. */
    private void writeHome() throws IOException {
        List<Map.Entry<Long, byte[]>> run = new ArrayList<>();
        for (Map.Entry<Long, byte[]> e : pending.entrySet()) {
            if (!run.isEmpty() && (run.get(run.size() - 1).getKey() + 1 != e.getKey()
                    || (long) (run.size() + 1) * blockSize > MAX_WRITE_BYTES)) {
                writeHomeRun(run);
                run.clear();
            }
            run.add(e);
        }
        if (!run.isEmpty()) {
            writeHomeRun(run);
        }
    }

    private void writeHomeRun(List<Map.Entry<Long, byte[]>> run) throws IOException {
        byte[] buf = new byte[run.size() * blockSize];
        for (int i = 0; i < run.size(); i++) {
            Map.Entry<Long, byte[]> e = run.get(i);
            System.arraycopy(homeContent(e.getKey(), e.getValue()), 0, buf, i * blockSize, blockSize);
        }
        device.write(run.get(0).getKey() * blockSize, buf, 0, buf.length);
    }

    /**
     * What block {@code pblk} should hold on disk for committed {@code content}: the content itself,
     * except that the primary superblock keeps needs_recovery while this writer has it set, so a
     * checkpoint or replay of a transaction that changed the superblock does not clear the flag
     * while the log still needs it. The content array is never modified.
     */
    private byte[] homeContent(long pblk, byte[] content) {
        if (pblk != superblockBlock || !recoverFlagSet) {
            return content;
        }
        byte[] patched = content.clone();
        JournalRecovery.setRecoverFlag(patched, superblockOffset, true);
        return patched;
    }

    /**
     * Sets needs_recovery in the ext4 superblock on disk, once, before the first commit, and
     * flushes: a journal superblock with a non-empty log must never meet an ext4 superblock that
     * says there is nothing to recover (the kernel wipes such a journal, e2fsck asks). The kernel
     * sets the flag at mount; doing it before the first transaction leaves an image opened but never
     * written untouched.
     */
    private void setRecoverFlag() throws IOException {
        if (recoverFlagSet) {
            return;
        }
        byte[] raw = device.read(Superblock.OFFSET, Superblock.SIZE);
        JournalRecovery.setRecoverFlag(raw, 0, true);
        device.write(Superblock.OFFSET, raw, 0, raw.length);
        device.flush();
        recoverFlagSet = true;
    }

    private void writeJournalSuperblock(JournalSuperblock next) throws IOException {
        byte[] raw = next.raw();
        device.write(log.fsBlockOf(0) * blockSize, raw, 0, raw.length);
        jsb = next;
    }

    /** Writes {@code blocks} at journal block {@code start} onwards, wrapping at the end of the log. */
    private void writeLogBlocks(long start, List<byte[]> blocks) throws IOException {
        int i = 0;
        while (i < blocks.size()) {
            long jblk = advance(start, i);
            long pblk = log.fsBlockOf(jblk);
            int n = 1;
            // Extend the run while the next journal block neither wraps nor leaves the physical run.
            while (i + n < blocks.size() && jblk + n < jsb.last() && (long) (n + 1) * blockSize <= MAX_WRITE_BYTES
                    && log.fsBlockOf(jblk + n) == pblk + n) {
                n++;
            }
            byte[] buf = n == 1 ? blocks.get(i) : new byte[n * blockSize];
            if (n > 1) {
                for (int k = 0; k < n; k++) {
                    System.arraycopy(blocks.get(i + k), 0, buf, k * blockSize, blockSize);
                }
            }
            device.write(pblk * blockSize, buf, 0, n * blockSize);
            i += n;
        }
    }

    /** Journal block {@code count} blocks after {@code jblk} in the circular log. */
    private long advance(long jblk, long count) {
        long pos = jblk - jsb.first() + count;
        return jsb.first() + pos % logLength;
    }

    /** The next journal block to be written (for tests of wrap-around). */
    synchronized long head() {
        return head;
    }

    /** s_start as this writer last wrote it: the first block of the oldest live transaction, 0 when the log is empty. */
    synchronized long logStart() {
        return jsb.start();
    }

    /** Journal blocks held by committed transactions not yet checkpointed. */
    synchronized long liveBlocks() {
        return used;
    }

    /** Blocks waiting to be written home. */
    synchronized int pendingCheckpoint() {
        return pending.size();
    }

    /** The id the next transaction will get. */
    synchronized long nextSequence() {
        return nextTid;
    }

    /** The freed runs of one record, merged and searchable. */
    private static final class FreedBlocks {
        private final long[] starts;
        private final long[] ends;

        FreedBlocks(List<FreedRange> ranges) {
            FreedRange[] sorted = ranges.toArray(FreedRange[]::new);
            Arrays.sort(sorted, (a, b) -> Long.compare(a.start(), b.start()));
            long[] s = new long[sorted.length];
            long[] e = new long[sorted.length];
            int n = 0;
            for (FreedRange r : sorted) {
                if (n > 0 && r.start() <= e[n - 1]) {
                    e[n - 1] = Math.max(e[n - 1], r.end());
                } else {
                    s[n] = r.start();
                    e[n] = r.end();
                    n++;
                }
            }
            this.starts = Arrays.copyOf(s, n);
            this.ends = Arrays.copyOf(e, n);
        }

        boolean contains(long pblk) {
            int i = Arrays.binarySearch(starts, pblk);
            if (i < 0) {
                i = -i - 2;
            }
            return i >= 0 && pblk < ends[i];
        }

        /** The keys of {@code pending} inside a freed run, sorted. */
        long[] pendingAmong(TreeMap<Long, byte[]> pending) {
            if (pending.isEmpty()) {
                return new long[0];
            }
            long[] out = new long[16];
            int n = 0;
            for (int i = 0; i < starts.length; i++) {
                for (long pblk : pending.subMap(starts[i], ends[i]).keySet()) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = pblk;
                }
            }
            return Arrays.copyOf(out, n);
        }
    }

    /**
     * The journal blocks of one transaction before its commit block: revoke blocks, then each
     * descriptor followed by the copies of the blocks it tags.
     *
     * @param crc32Sum the v1 transaction checksum (COMPAT_CHECKSUM): crc32_be over the descriptor
     *                 blocks and the logged copies in log order, revoke blocks excluded; 0 without v1
     */
    private record TransactionBlocks(List<byte[]> blocks, int crc32Sum) {
        /** Journal blocks a transaction of {@code blocks} logged blocks and {@code revokes} revokes takes, commit included. */
        static long count(JournalSuperblock jsb, int blockSize, long blocks, long revokes) {
            long perDescriptor = DescriptorBlock.capacity(jsb, blockSize);
            long perRevoke = RevokeBlock.capacity(jsb, blockSize);
            long descriptors = (blocks + perDescriptor - 1) / perDescriptor;
            long revokeBlocks = (revokes + perRevoke - 1) / perRevoke;
            return revokeBlocks + descriptors + blocks + 1;
        }

        /** What is logged for a block: its home content as the writer would write it. */
        interface HomeContent {
            byte[] of(long pblk, byte[] content);
        }

        /**
         * Lays out transaction {@code tid}. A block whose first four bytes are the jbd2 magic is
         * logged with them zeroed and FLAG_ESCAPE in its tag (replay puts the magic back); with
         * csum v2/v3 each tag carries the checksum of the logged (escaped) copy.
         */
        static TransactionBlocks build(JournalSuperblock jsb, int blockSize, int tid, List<CommittedBlock> logged,
                                       long[] revokes, HomeContent home) {
            List<byte[]> out = new ArrayList<>();
            int perRevoke = RevokeBlock.capacity(jsb, blockSize);
            for (int from = 0; from < revokes.length; from += perRevoke) {
                out.add(RevokeBlock.build(jsb, blockSize, tid, revokes, from, Math.min(revokes.length, from + perRevoke)));
            }
            boolean v1 = jsb.hasCompat(JournalFeatures.COMPAT_CHECKSUM);
            int crc32Sum = Crc32c.INITIAL;
            int perDescriptor = DescriptorBlock.capacity(jsb, blockSize);
            int seed = jsb.checksumSeed();
            boolean csum = jsb.hasCsumV2orV3();
            for (int from = 0; from < logged.size(); from += perDescriptor) {
                int to = Math.min(logged.size(), from + perDescriptor);
                List<JournalBlockTag> tags = new ArrayList<>(to - from);
                List<byte[]> copies = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    CommittedBlock b = logged.get(i);
                    byte[] copy = home.of(b.pblk(), b.content());
                    int flags = 0;
                    if (JournalHeader.hasMagic(copy)) {
                        copy = copy.clone();
                        BigEndian.put32(copy, JournalHeader.H_MAGIC, 0);
                        flags |= JournalBlockTag.FLAG_ESCAPE;
                    }
                    int checksum = csum ? JournalChecksums.dataBlock(seed, tid, copy) : 0;
                    tags.add(new JournalBlockTag(b.pblk(), flags, checksum));
                    copies.add(copy);
                }
                byte[] descriptor = DescriptorBlock.build(jsb, blockSize, tid, tags);
                out.add(descriptor);
                out.addAll(copies);
                if (v1) {
                    crc32Sum = Crc32Be.update(crc32Sum, descriptor, 0, blockSize);
                    for (byte[] copy : copies) {
                        crc32Sum = Crc32Be.update(crc32Sum, copy, 0, blockSize);
                    }
                }
            }
            return new TransactionBlocks(out, v1 ? crc32Sum : 0);
        }
    }
}
