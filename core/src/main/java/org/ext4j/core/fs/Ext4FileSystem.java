package org.ext4j.core.fs;

import java.io.Closeable;
import java.io.IOException;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.OverlayBlockDevice;
import org.ext4j.core.journal.JournalRecovery;
import org.ext4j.core.journal.JournalWriter;
import org.ext4j.core.journal.RecoveryResult;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;

/**
 * An opened ext4 filesystem: its {@link DiskView} (superblock, descriptors, blocks, inodes),
 * plus what only the top of the core may do, since it needs the journal and the block maps:
 * opening (refusing unsupported features, replaying a dirty journal, after which a read-write
 * open also sums the group descriptors' free counts into the superblock, as the kernel's mount
 * does), the transaction manager every write goes through, remounting, and closing. Opening reads
 * only the superblock; group descriptors are read on first use. Thread-safe.
 */
public final class Ext4FileSystem extends DiskView implements Closeable {
    private TransactionManager transactions;
    /** How it was opened: the access-time rules and the commit interval. */
    private final OpenOptions options;
    private RecoveryResult recovery;

    private Ext4FileSystem(BlockDevice device, Superblock sb, boolean readOnly, String readOnlyReason,
            OpenOptions options) {
        super(device, sb, readOnly, readOnlyReason, options.errors(), Ext4FileSystem::journalRuns);
        this.options = options;
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
            throw new CorruptionException(CorruptionException.Structure.DEVICE, "superblock: the filesystem claims " + sb.blocksCount() + " blocks of "
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
        if (!fs.mountedReadOnly()) {
            ReadWriteChecks.require(fs);
        }
        return fs;
    }

    /**
     * Replays the journal of {@code fs} into {@code target}, marks the journal empty and clears
     * needs_recovery there. {@code fs} reads the journal inode through the original device.
     */
    private static RecoveryResult replayJournal(Ext4FileSystem fs, BlockDevice target) {
        Superblock sb = fs.superblock();
        if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) || sb.journalInum() == 0) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, "superblock: needs_recovery is set but the filesystem has no journal inode");
        }
        Inode journal = fs.inode(sb.journalInum());
        if (!(journal.type() == FileType.REGULAR && journal.size() >= 0)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, sb.journalInum(), CorruptionException.NO_BLOCK, "journal inode " + sb.journalInum() + " is not a regular file");
        }
        BlockMap map = BlockMap.of(fs, journal);
        long journalBlocks = journal.size() / fs.blockSize();
        LongUnaryOperator toFsBlock = lblk -> {
            Mapping m = map.map(lblk, 1);
            if (m.kind() != Mapping.Kind.MAPPED) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL, sb.journalInum(), CorruptionException.NO_BLOCK, "journal inode " + sb.journalInum() + ": block " + lblk + " is not mapped");
            }
            return m.pblk();
        };
        try {
            RecoveryResult r = JournalRecovery.recover(target, fs.blockSize(), sb.blocksCount(), toFsBlock, journalBlocks);
            if (!r.badChecksumBlocks().isEmpty() || r.failedCommit().isPresent()) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL, "journal: " + r.badChecksumBlocks().size() + " logged block(s) failed their checksum"
                        + (r.failedCommit().isPresent() ? ", commit of transaction " + r.failedCommit().getAsLong() + " failed its checksum" : "")
                        + "; run e2fsck -f on the image");
            }
            JournalRecovery.markClean(target, fs.blockSize(), sb.blocksCount(), toFsBlock, journalBlocks, r.nextSequence());
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
            throw new CorruptionException(CorruptionException.Structure.DEVICE, "device is too small (" + device.size() + " bytes) to hold an ext4 superblock");
        }
        try {
            return Superblock.parse(device.read(Superblock.OFFSET, Superblock.SIZE));
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, "reading the superblock failed: " + e.getMessage(), e);
        }
    }

    /** The journal's runs for the system zone, read through its block map (capped at what a map can address). */
    private static void journalRuns(DiskView disk, Inode journal, long blocks, SystemZone.RunSink sink) {
        BlockMap map = BlockMap.of(disk, journal);
        long end = Math.min(blocks, BlockMap.LBLK_LIMIT);
        long lblk = 0;
        while (lblk < end) {
            Mapping m = map.map(lblk, end - lblk);
            if (m.kind() != Mapping.Kind.HOLE) {
                sink.run(m.pblk(), m.length());
            }
            lblk += m.length();
        }
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
                if (unwritableReason() != null) {
                    throw new Ext4Exception(Errno.EROFS, "cannot remount read-write: " + unwritableReason());
                }
                // As on the kernel's ext4, remount,rw resumes writing after errors=remount-ro stopped it.
                errors().resume();
                if (mountedReadOnly()) {
                    // A manager made while read-only commits in place and refuses every handle: start afresh.
                    transactions = null;
                    setReadOnly(false, null);
                    transactions().startCommitTimer(options.commitInterval());
                }
                return;
            }
            if (mountedReadOnly()) {
                return;
            }
            setReadOnly(true, "remounted read-only");
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

    /**
     * The transaction manager of this filesystem, made on first use: every write goes through it,
     * and {@link #close()} writes what it still holds. With has_journal its transactions go
     * through the jbd2 journal ({@link JournalWriter}); without, they are written in place.
     */
    public synchronized TransactionManager transactions() {
        if (transactions == null) {
            if (!mountedReadOnly() && superblock().hasCompat(Features.COMPAT_HAS_JOURNAL)) {
                transactions = new TransactionManager(this, blockCache(), JournalWriter.open(this, blockCache()));
            } else {
                transactions = TransactionManager.inPlace(this);
            }
        }
        return transactions;
    }

    /** How writes are made durable: "journal" (jbd2, ordered) or "in place" (no journal). */
    public String commitMode() {
        return superblock().hasCompat(Features.COMPAT_HAS_JOURNAL) ? "journal (ordered, jbd2)" : "in place (no journal: safe order, not atomic)";
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
            device().close();
        }
    }
}
