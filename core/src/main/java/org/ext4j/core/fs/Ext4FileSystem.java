package org.ext4j.core.fs;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.OverlayBlockDevice;
import org.ext4j.core.journal.JournalRecovery;
import org.ext4j.core.journal.JournalWriter;
import org.ext4j.core.journal.RecoveryResult;
import org.ext4j.core.tx.BlockCache;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * An opened ext4 filesystem: the superblock, group descriptors and the means to read blocks and
 * inodes, validated and checksum-verified. Opening reads only the superblock (and replays a
 * dirty journal, after which a read-write open also sums the group descriptors' free counts
 * into the superblock, as the kernel's mount does); group descriptors are otherwise read on
 * first use, so opening does not scale with the size of the disk. Thread-safe.
 */
public final class Ext4FileSystem implements Closeable {
    private final BlockDevice device;
    private final Superblock sb;
    /** Read-only now: from the open, or since a remount (see {@link #remount}). */
    private volatile boolean readOnly;
    private volatile String readOnlyReason;
    /** Why this filesystem can never be written (opened read-only, device, feature), or null. */
    private final String unwritableReason;
    private final int blockSize;
    private final boolean metadataCsum;
    private final int csumSeed;
    private final BlockCache cache;
    private TransactionManager transactions;
    /** How it was opened: the access-time rules and the commit interval. */
    private final OpenOptions options;
    /** Recently verified descriptors, direct-mapped by group number (see {@link ValidatedDescriptor}). */
    private final java.util.concurrent.atomic.AtomicReferenceArray<ValidatedDescriptor> validated;
    private RecoveryResult recovery;
    /** What finding damage does: the record kept for the superblock, and whether writes stop. */
    private final FsErrors errors;
    /** Blocks no file may own, built on first use (at open when read-write); see {@link #systemZone()}. */
    private volatile SystemZone systemZone;
    private final Object zoneLock = new Object();
    /** The groups-only zone while the journal's own mapping is read to complete it (zoneLock held). */
    private SystemZone zoneInProgress;

    private Ext4FileSystem(BlockDevice device, Superblock sb, boolean readOnly, String readOnlyReason,
            OpenOptions options) {
        this.device = device;
        this.options = options;
        this.errors = new FsErrors(options.errors() != null ? options.errors() : FsErrors.Behaviour.ofSuperblock(sb.errors()),
                () -> System.currentTimeMillis() / 1000);
        this.sb = sb;
        this.readOnly = readOnly;
        this.readOnlyReason = readOnlyReason;
        this.unwritableReason = readOnly ? readOnlyReason : null;
        this.blockSize = sb.blockSize();
        this.metadataCsum = sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM);
        this.csumSeed = metadataCsum ? sb.checksumSeed() : 0;
        this.cache = new BlockCache(this);
        this.validated = new java.util.concurrent.atomic.AtomicReferenceArray<>((int) Math.max(1, Math.min(sb.groupCount(), 1024)));
    }

    /**
     * Opens the filesystem on {@code device}. An INCOMPAT feature this implementation does not
     * handle refuses the open, naming it; an unknown RO_COMPAT feature forces read-only.
     */
    public static Ext4FileSystem open(BlockDevice device, OpenOptions options) {
        Superblock sb = readSuperblock(device);
        int unsupported = sb.featureIncompat() & ~Features.INCOMPAT_READ_SUPPORTED;
        if (unsupported != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "cannot open: the filesystem uses feature(s) "
                    + String.join(", ", Features.incompatNames(unsupported)) + " that ext4j does not support");
        }
        if (sb.hasIncompat(Features.INCOMPAT_JOURNAL_DEV)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "cannot open: this is an external journal device, not a filesystem");
        }
        if (sb.journalDev() != 0 && sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.journalInum() == 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "cannot open: the filesystem's journal is on an external device");
        }
        long needed = sb.blocksCount() * sb.blockSize();
        if (needed / sb.blockSize() != sb.blocksCount() || device.size() < needed) {
            throw new CorruptionException("superblock: the filesystem claims " + sb.blocksCount() + " blocks of "
                    + sb.blockSize() + " bytes but the device holds only " + device.size() + " bytes (truncated image?)");
        }
        boolean readOnly = options.readOnly() || device.isReadOnly();
        String reason = options.readOnly() ? "opened read-only" : device.isReadOnly() ? "the device is read-only" : null;
        int roUnsupported = sb.featureRoCompat() & ~Features.RO_COMPAT_WRITE_SUPPORTED;
        if (!readOnly && roUnsupported != 0) {
            readOnly = true;
            reason = "feature(s) " + String.join(", ", Features.roCompatNames(roUnsupported)) + " can only be read";
        }
        Ext4FileSystem fs;
        if (!sb.hasIncompat(Features.INCOMPAT_RECOVER)) {
            fs = new Ext4FileSystem(device, sb, readOnly, reason, options);
        } else {
            // A dirty journal: replay it in place, or into memory when nothing may be written.
            BlockDevice target = readOnly ? new OverlayBlockDevice(device, sb.blockSize()) : device;
            RecoveryResult result = replayJournal(new Ext4FileSystem(device, sb, true, reason, options), target);
            if (!readOnly) {
                FreeCountSums.write(new Ext4FileSystem(target, readSuperblock(target), true, reason, options), target);
            }
            fs = new Ext4FileSystem(target, readSuperblock(target), readOnly, reason, options);
            fs.recovery = result;
        }
        if (!fs.readOnly) {
            ReadWriteChecks.require(fs);
        }
        return fs;
    }

    /**
     * Replays the journal of {@code fs} into {@code target}, marks the journal empty and clears
     * needs_recovery there. {@code fs} reads the journal inode through the original device.
     */
    private static RecoveryResult replayJournal(Ext4FileSystem fs, BlockDevice target) {
        Superblock sb = fs.sb;
        if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) || sb.journalInum() == 0) {
            throw new CorruptionException("superblock: needs_recovery is set but the filesystem has no journal inode");
        }
        Inode journal = fs.inode(sb.journalInum());
        if (!(journal.type() == FileType.REGULAR && journal.size() >= 0)) {
            throw new CorruptionException("journal inode " + sb.journalInum() + " is not a regular file");
        }
        BlockMap map = BlockMap.of(fs, journal);
        long journalBlocks = journal.size() / fs.blockSize;
        LongUnaryOperator toFsBlock = lblk -> {
            Mapping m = map.map(lblk, 1);
            if (m.kind() != Mapping.Kind.MAPPED) {
                throw new CorruptionException("journal inode " + sb.journalInum() + ": block " + lblk + " is not mapped");
            }
            return m.pblk();
        };
        try {
            RecoveryResult r = JournalRecovery.recover(target, fs.blockSize, sb.blocksCount(), toFsBlock, journalBlocks);
            if (!r.badChecksumBlocks().isEmpty() || r.failedCommit().isPresent()) {
                throw new CorruptionException("journal: " + r.badChecksumBlocks().size() + " logged block(s) failed their checksum"
                        + (r.failedCommit().isPresent() ? ", commit of transaction " + r.failedCommit().getAsLong() + " failed its checksum" : "")
                        + "; run e2fsck -f on the image");
            }
            JournalRecovery.markClean(target, fs.blockSize, sb.blocksCount(), toFsBlock, journalBlocks, r.nextSequence());
            byte[] raw = target.read(Superblock.OFFSET, Superblock.SIZE);
            JournalRecovery.clearRecoverFlag(raw);
            target.write(Superblock.OFFSET, raw, 0, raw.length);
            target.flush();
            return r;
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "journal replay failed: " + e.getMessage(), e);
        }
    }

    /** What the journal replay at open did, or null when the journal was clean. */
    public RecoveryResult recovery() {
        return recovery;
    }

    private static Superblock readSuperblock(BlockDevice device) {
        if (device.size() < Superblock.OFFSET + Superblock.SIZE) {
            throw new CorruptionException("device is too small (" + device.size() + " bytes) to hold an ext4 superblock");
        }
        try {
            return Superblock.parse(device.read(Superblock.OFFSET, Superblock.SIZE));
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "reading the superblock failed: " + e.getMessage(), e);
        }
    }

    public Superblock superblock() {
        return sb;
    }

    public BlockDevice device() {
        return device;
    }

    public int blockSize() {
        return blockSize;
    }

    public long blocksCount() {
        return sb.blocksCount();
    }

    /** True when nothing may be written: mounted read-only, or stopped by an error under errors=remount-ro. */
    public boolean isReadOnly() {
        return readOnly || errors.stoppedWriting() != null;
    }

    /** The error record and behaviour of this mount. */
    public FsErrors errors() {
        return errors;
    }

    /**
     * The blocks no file may own (see {@link SystemZone}): built from every group descriptor and
     * the journal's map on first use, then kept for the life of the filesystem.
     */
    public SystemZone systemZone() {
        SystemZone z = systemZone;
        return z != null ? z : buildSystemZone();
    }

    private SystemZone buildSystemZone() {
        synchronized (zoneLock) {
            if (systemZone != null) {
                return systemZone;
            }
            if (zoneInProgress != null) {
                // The journal's own map is being read to finish the zone: its blocks are checked against the groups.
                return zoneInProgress;
            }
            SystemZone.Builder builder = SystemZone.groups(this);
            zoneInProgress = builder.build();
            try {
                SystemZone.addJournal(this, builder);
                systemZone = builder.build();
            } finally {
                zoneInProgress = null;
            }
            return systemZone;
        }
    }

    /**
     * The CorruptionException for inode {@code ino} naming blocks {@code pblk} (+{@code count})
     * that it may not own ({@code where} names the inode and the structure that points there), recorded as an error of the
     * filesystem (see {@link FsErrors}). For callers whose {@link SystemZone#isValid} check failed.
     */
    public CorruptionException blockError(long ino, long pblk, long count, String where) {
        String why;
        long[] hit = pblk > sb.firstDataBlock() && pblk < sb.blocksCount() && count <= sb.blocksCount() - pblk
                ? systemZone().conflict(ino, pblk, count) : null;
        if (hit == null) {
            why = "outside the filesystem's data blocks (" + (sb.firstDataBlock() + 1) + ".." + (sb.blocksCount() - 1) + ")";
        } else {
            why = "on fixed metadata: " + SystemZone.describe(this, Math.max(pblk, hit[0]), hit[2]);
        }
        String message = where + ": block " + pblk
                + (count > 1 ? " (+" + count + ")" : "") + " lies " + why;
        errors.record(ino, pblk, "ext4_inode_block_valid", FsErrors.ERR_EFSCORRUPTED, message);
        return new CorruptionException(message);
    }

    /** When reads update access times (the open options' choice). */
    public AtimeMode atimeMode() {
        return options.atimeMode();
    }

    /** True when listing a directory leaves its access time alone (nodiratime). */
    public boolean noDirAtime() {
        return options.noDirAtime();
    }

    /**
     * Goes read-only or back to read-write while in use, as {@code mount -o remount,ro} and
     * {@code remount,rw} do. Going read-only refuses new handles at once (EROFS), waits for the
     * running ones, writes the running transaction, checkpoints the journal and clears
     * needs_recovery, as the kernel's ext4 does at a read-only remount: the image then reads right
     * to e2fsck and debugfs while still open. Going read-write starts a new transaction manager
     * (the journal's needs_recovery is set again before its first commit) and the commit timer.
     *
     * @throws Ext4Exception EROFS when the filesystem can never be written (opened read-only, a
     *         read-only device, a read-only feature); EIO when writing out failed (it stays read-only)
     */
    public void remount(boolean toReadOnly) {
        TransactionManager running;
        synchronized (this) {
            if (!toReadOnly) {
                if (unwritableReason != null) {
                    throw new Ext4Exception(Errno.EROFS, "cannot remount read-write: " + unwritableReason);
                }
                // As on the kernel's ext4, remount,rw resumes writing after errors=remount-ro stopped it.
                errors.resume();
                if (readOnly) {
                    // A manager made while read-only commits in place and refuses every handle: start afresh.
                    transactions = null;
                    readOnly = false;
                    readOnlyReason = null;
                    transactions().startCommitTimer(options.commitInterval());
                }
                return;
            }
            if (readOnly) {
                return;
            }
            readOnly = true;
            readOnlyReason = "remounted read-only";
            running = transactions;
            transactions = null;
        }
        if (running != null) {
            try {
                running.close();
            } catch (IOException e) {
                throw new Ext4Exception(Errno.EIO, "writing out before going read-only failed: " + e.getMessage(), e);
            }
        }
    }

    /** Why the filesystem is read-only, or null when it is writable. */
    public String readOnlyReason() {
        return readOnly ? readOnlyReason : errors.stoppedWriting();
    }

    /** True when the filesystem is mounted read-only (opened or remounted so, not merely stopped by an error): nothing at all is written. */
    public boolean mountedReadOnly() {
        return readOnly;
    }

    public boolean hasMetadataCsum() {
        return metadataCsum;
    }

    /** The metadata checksum seed (0 without metadata_csum). */
    public int csumSeed() {
        return csumSeed;
    }

    /**
     * Reads metadata block {@code pblk} into a fresh array, through the block cache: the
     * committed content, which transactions keep current.
     */
    public byte[] readBlock(long pblk) {
        return cache.read(pblk);
    }

    /** Reads block {@code pblk} from the device, bypassing the cache (the cache's own miss path). */
    public byte[] readBlockFromDevice(long pblk) {
        byte[] b = new byte[blockSize];
        readBlocks(pblk, 1, b, 0);
        return b;
    }

    /** The cache of metadata blocks every reader and transaction of this filesystem shares. */
    public BlockCache blockCache() {
        return cache;
    }

    /** Reads {@code count} consecutive blocks starting at {@code pblk} into {@code dst}. */
    public void readBlocks(long pblk, int count, byte[] dst, int dstOff) {
        if (pblk < 0 || count < 0 || pblk > sb.blocksCount() - count) {
            throw new CorruptionException("block " + pblk + (count > 1 ? " (+" + count + ")" : "")
                    + " is outside the filesystem (" + sb.blocksCount() + " blocks)");
        }
        try {
            device.read(pblk * blockSize, dst, dstOff, count * blockSize);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "reading block " + pblk + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The descriptor of {@code group}, read through the block cache (so it reflects committed
     * changes) and verified.
     */
    public GroupDescriptor group(long group) {
        return group(group, cache::readShared);
    }

    /**
     * The descriptor of {@code group} as {@code blocks} (the cache or a transaction) has it,
     * verified. {@code blocks} may share its arrays: they are only read here.
     */
    public GroupDescriptor group(long group, java.util.function.LongFunction<byte[]> blocks) {
        if (group < 0 || group >= sb.groupCount()) {
            throw new CorruptionException("group " + group + " does not exist (" + sb.groupCount() + " groups)");
        }
        byte[] block = blocks.apply(sb.groupDescriptorBlock(group));
        int off = sb.groupDescriptorOffset(group);
        int len = sb.descSize();
        int slot = (int) (group % validated.length());
        ValidatedDescriptor memo = validated.get(slot);
        if (memo != null && memo.group() == group && java.util.Arrays.equals(block, off, off + len, memo.raw(), 0, len)) {
            return memo.descriptor();
        }
        byte[] raw = java.util.Arrays.copyOfRange(block, off, off + len);
        GroupDescriptor gd = new GroupDescriptor(group, raw);
        validate(gd, raw);
        validated.set(slot, new ValidatedDescriptor(group, raw.clone(), gd));
        return gd;
    }

    /**
     * A descriptor verified earlier: the same bytes again need no second checksum (descriptors
     * are looked up many times per operation, and every transaction changes only a few).
     */
    private record ValidatedDescriptor(long group, byte[] raw, GroupDescriptor descriptor) {
    }

    private void validate(GroupDescriptor gd, byte[] raw) {
        long g = gd.group();
        int expected = GroupDescriptor.computeChecksum(sb, g, raw);
        if (expected >= 0 && expected != gd.checksum()) {
            throw new CorruptionException(String.format("group descriptor %d: checksum 0x%04x does not match computed 0x%04x",
                    g, gd.checksum(), expected));
        }
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + blockSize - 1) / blockSize;
        // Without flex_bg a group's bitmaps and inode table lie inside it; with flex_bg anywhere in
        // the filesystem (ext4_check_descriptors).
        boolean flex = sb.hasIncompat(Features.INCOMPAT_FLEX_BG);
        long first = flex ? sb.firstDataBlock() : sb.groupFirstBlock(g);
        long end = flex ? sb.blocksCount() : Math.min(sb.blocksCount(), sb.groupFirstBlock(g) + sb.blocksPerGroup());
        String where = flex ? "outside the filesystem" : "outside its group";
        if (!within(gd.blockBitmap(), 1, first, end)) {
            throw new CorruptionException("group descriptor " + g + ": block bitmap " + gd.blockBitmap() + " is " + where);
        }
        if (!within(gd.inodeBitmap(), 1, first, end)) {
            throw new CorruptionException("group descriptor " + g + ": inode bitmap " + gd.inodeBitmap() + " is " + where);
        }
        if (!within(gd.inodeTable(), itableBlocks, first, end)) {
            throw new CorruptionException("group descriptor " + g + ": inode table " + gd.inodeTable() + " is " + where);
        }
    }

    private static boolean within(long block, long count, long first, long end) {
        return block >= first && block < end && count <= end - block;
    }

    /** Reads inode {@code ino}, verifying its checksum. */
    public Inode inode(long ino) {
        return inode(ino, cache::readShared);
    }

    /**
     * Reads inode {@code ino} through {@code blocks} (the committed cache, or a transaction that
     * sees its own changes; it may share its arrays, which are only read here), verifying its
     * checksum. An inode in a group whose table was never initialised reads as zeros.
     */
    public Inode inode(long ino, java.util.function.LongFunction<byte[]> blocks) {
        InodeLocation at = inodeLocation(ino, blocks);
        int isz = sb.inodeSize();
        if (at.uninitialised()) {
            return new Inode(ino, new byte[isz], csumSeed);
        }
        byte[] block = blocks.apply(at.block());
        Inode inode = new Inode(ino, java.util.Arrays.copyOfRange(block, at.offset(), at.offset() + isz), csumSeed);
        if (metadataCsum && !inode.isAllZero()) {
            long stored = inode.storedChecksum();
            long computed = inode.computeChecksum();
            if (stored != computed) {
                throw new CorruptionException(String.format("inode %d: checksum 0x%08x does not match computed 0x%08x", ino, stored, computed));
            }
        }
        if (isz > Superblock.GOOD_OLD_INODE_SIZE) {
            int extra = inode.extraIsize();
            if (extra % 4 != 0 || Superblock.GOOD_OLD_INODE_SIZE + extra > isz) {
                throw new CorruptionException("inode " + ino + ": i_extra_isize " + extra + " does not fit the " + isz + "-byte inode");
            }
        }
        return inode;
    }

    /**
     * Where inode {@code ino} lives: the inode-table block and the byte offset in it.
     *
     * @param uninitialised the group's table was never initialised (INODE_UNINIT with group checksums)
     */
    public record InodeLocation(long block, int offset, boolean uninitialised) {
    }

    /** Locates inode {@code ino} in its group's inode table, reading descriptors through {@code blocks}. */
    public InodeLocation inodeLocation(long ino, java.util.function.LongFunction<byte[]> blocks) {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new CorruptionException("inode " + ino + " is out of range (1.." + sb.inodesCount() + ")");
        }
        long ipg = sb.inodesPerGroup();
        GroupDescriptor gd = group((ino - 1) / ipg, blocks);
        long byteInTable = (ino - 1) % ipg * sb.inodeSize();
        return new InodeLocation(gd.inodeTable() + byteInTable / blockSize, (int) (byteInTable % blockSize),
                gd.hasFlag(GroupDescriptor.INODE_UNINIT) && hasGroupChecksums());
    }

    /** True when group descriptors carry checksums (and so the UNINIT flags may be trusted). */
    public boolean hasGroupChecksums() {
        return metadataCsum || sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM);
    }

    /** The names of the features set, dumpe2fs-style. */
    public List<String> featureNames() {
        return Features.names(sb.featureCompat(), sb.featureIncompat(), sb.featureRoCompat());
    }

    /**
     * The transaction manager of this filesystem, made on first use: every write goes through it,
     * and {@link #close()} writes what it still holds. With has_journal its transactions go
     * through the jbd2 journal ({@link JournalWriter}); without, they are written in place.
     */
    public synchronized TransactionManager transactions() {
        if (transactions == null) {
            if (!readOnly && sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
                transactions = new TransactionManager(this, cache, JournalWriter.open(this, cache));
            } else {
                transactions = TransactionManager.inPlace(this);
            }
        }
        return transactions;
    }

    /** How writes are made durable: "journal" (jbd2, ordered) or "in place" (no journal). */
    public String commitMode() {
        return sb.hasCompat(Features.COMPAT_HAS_JOURNAL) ? "journal (ordered, jbd2)" : "in place (no journal: safe order, not atomic)";
    }

    /** Writes the running transaction (if a manager was made), then closes the device. */
    @Override
    public void close() throws IOException {
        TransactionManager tm;
        synchronized (this) {
            tm = transactions;
        }
        try {
            if (tm != null) {
                tm.close();
            }
        } finally {
            device.close();
        }
    }
}
