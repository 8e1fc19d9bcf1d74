package org.ext4j.core.view;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The on-disk view of an ext4 filesystem: the superblock, the group descriptors, blocks through
 * the shared {@link BlockCache}, inodes by number, the zone of fixed metadata no file may own, and
 * the error record of the mount. Everything above it (transactions, the structures, the POSIX
 * file system) reads the disk through here. Group descriptors are read on first use and verified
 * once per content, so a view does not scale with the size of the disk. It knows nothing of
 * transactions or the journal: the file system that opens it ({@code fs.DiskView}) owns
 * the open, the journal replay, the transaction manager and the close. Thread-safe.
 */
public class DiskView {
    private final BlockDevice device;
    private final Superblock sb;
    /** Read-only now: from the open, or since a remount (see {@link #setReadOnly}). */
    private volatile boolean readOnly;
    private volatile String readOnlyReason;
    /** Why the filesystem is read-only, or null when it is writable. */
    public String readOnlyReason() {
        return readOnly ? readOnlyReason : errors.stoppedWriting();
    }

    /** Why this filesystem can never be written (opened read-only, device, feature), or null. */
    private final String unwritableReason;
    private final int blockSize;
    private final boolean metadataCsum;
    private final int csumSeed;
    private final BlockCache cache;
    /** Recently verified descriptors, direct-mapped by group number (see {@link ValidatedDescriptor}). */
    private final AtomicReferenceArray<ValidatedDescriptor> validated;
    /** Recently verified inodes, direct-mapped by inode number: the same bytes need no second check. */
    private final AtomicReferenceArray<Inode> verifiedInodes = new AtomicReferenceArray<>(VERIFIED_INODE_SLOTS);
    private static final int VERIFIED_INODE_SLOTS = 1024;
    /** Bitmap arrays that passed their checks (see {@link VerifiedBlocks}). */
    private final VerifiedBlocks verifiedBlocks;
    /** What finding damage does: the record kept for the superblock, and whether writes stop. */
    private final FsErrors errors;
    /** Reads the journal inode's map for the system zone (the extent layer's work). */
    private final SystemZone.JournalMap journalMap;
    /** Blocks no file may own, built on first use (at open when read-write); see {@link #systemZone()}. */
    private volatile SystemZone systemZone;
    private final Object zoneLock = new Object();
    /** The groups-only zone while the journal's own mapping is read to complete it (zoneLock held). */
    private SystemZone zoneInProgress;

    /**
     * A view of {@code device} whose superblock is {@code sb} (already read and checked by the
     * opener), read-only for {@code readOnlyReason} when {@code readOnly}, recording damage as
     * {@code errors} says, reading the journal's map with {@code journalMap}.
     */
    protected DiskView(BlockDevice device, Superblock sb, boolean readOnly, String readOnlyReason,
            FsErrors.Behaviour errors, SystemZone.JournalMap journalMap) {
        this.device = device;
        this.errors = new FsErrors(errors != null ? errors : FsErrors.Behaviour.ofSuperblock(sb.errors()),
                () -> System.currentTimeMillis() / 1000);
        this.sb = sb;
        this.readOnly = readOnly;
        this.readOnlyReason = readOnlyReason;
        this.unwritableReason = readOnly ? readOnlyReason : null;
        this.blockSize = sb.blockSize();
        this.metadataCsum = sb.hasRoCompat(Features.RO_COMPAT_METADATA_CSUM);
        this.csumSeed = metadataCsum ? sb.checksumSeed() : 0;
        this.journalMap = journalMap;
        this.cache = new BlockCache(this);
        this.validated = new AtomicReferenceArray<>((int) Math.max(1, Math.min(sb.groupCount(), 1024)));
        this.verifiedBlocks = new VerifiedBlocks((int) Math.min(2 * sb.groupCount(), 1024));
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
                SystemZone.addJournal(this, journalMap, builder);
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
        return new CorruptionException(CorruptionException.Structure.SYSTEM_ZONE, ino, pblk, message);
    }

    /** Why this filesystem can never be written (opened read-only, a read-only device, a read-only feature), or null. */
    protected final String unwritableReason() {
        return unwritableReason;
    }

    /** Goes read-only for {@code reason}, or back to read-write (reason null): the opener's remount. */
    protected final void setReadOnly(boolean readOnly, String reason) {
        this.readOnlyReason = reason;
        this.readOnly = readOnly;
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

    /** Which shared metadata arrays (bitmaps) already passed their checks. */
    public VerifiedBlocks verifiedBlocks() {
        return verifiedBlocks;
    }

    /** The cache of metadata blocks every reader and transaction of this filesystem shares. */
    public BlockCache blockCache() {
        return cache;
    }

    /** Reads {@code count} consecutive blocks starting at {@code pblk} into {@code dst}. */
    public void readBlocks(long pblk, int count, byte[] dst, int dstOff) {
        if (pblk < 0 || count < 0 || pblk > sb.blocksCount() - count) {
            throw new CorruptionException(CorruptionException.Structure.SYSTEM_ZONE, CorruptionException.NO_INODE, pblk, "block " + pblk + (count > 1 ? " (+" + count + ")" : "")
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
        return group(group, cache);
    }

    /**
     * The descriptor of {@code group} as {@code blocks} (the cache or a transaction) has it,
     * verified. {@code blocks} may share its arrays: they are only read here.
     */
    public GroupDescriptor group(long group, BlockReader blocks) {
        if (group < 0 || group >= sb.groupCount()) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, "group " + group + " does not exist (" + sb.groupCount() + " groups)");
        }
        byte[] block = blocks.readShared(sb.groupDescriptorBlock(group));
        int off = sb.groupDescriptorOffset(group);
        int len = sb.descSize();
        int slot = (int) (group % validated.length());
        ValidatedDescriptor memo = validated.get(slot);
        if (memo != null && memo.group() == group && Arrays.equals(block, off, off + len, memo.raw(), 0, len)) {
            return memo.descriptor();
        }
        byte[] raw = Arrays.copyOfRange(block, off, off + len);
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
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, CorruptionException.NO_INODE, sb.groupDescriptorBlock(g), String.format("group descriptor %d: checksum 0x%04x does not match computed 0x%04x",
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
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, CorruptionException.NO_INODE, sb.groupDescriptorBlock(g), "group descriptor " + g + ": block bitmap " + gd.blockBitmap() + " is " + where);
        }
        if (!within(gd.inodeBitmap(), 1, first, end)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, CorruptionException.NO_INODE, sb.groupDescriptorBlock(g), "group descriptor " + g + ": inode bitmap " + gd.inodeBitmap() + " is " + where);
        }
        if (!within(gd.inodeTable(), itableBlocks, first, end)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, CorruptionException.NO_INODE, sb.groupDescriptorBlock(g), "group descriptor " + g + ": inode table " + gd.inodeTable() + " is " + where);
        }
    }

    private static boolean within(long block, long count, long first, long end) {
        return block >= first && block < end && count <= end - block;
    }

    /** Reads inode {@code ino}, verifying its checksum. */
    public Inode inode(long ino) {
        return inode(ino, cache);
    }

    /**
     * Reads inode {@code ino} through {@code blocks} (the committed cache, or a transaction that
     * sees its own changes; it may share its arrays, which are only read here), verifying its
     * checksum. An inode in a group whose table was never initialised reads as zeros. The record
     * verified last for the same inode number is returned again when the bytes are the same (an
     * unlink reads its inode half a dozen times).
     */
    public Inode inode(long ino, BlockReader blocks) {
        InodeLocation at = inodeLocation(ino, blocks);
        int isz = sb.inodeSize();
        if (at.uninitialised()) {
            return new Inode(ino, new byte[isz], csumSeed);
        }
        byte[] block = blocks.readShared(at.block());
        int slot = (int) ((ino - 1) % VERIFIED_INODE_SLOTS);
        Inode seen = verifiedInodes.get(slot);
        if (seen != null && seen.ino() == ino && seen.isRecordAt(block, at.offset())) {
            return seen;
        }
        Inode inode = new Inode(ino, Arrays.copyOfRange(block, at.offset(), at.offset() + isz), csumSeed);
        if (metadataCsum && !inode.isAllZero()) {
            long stored = inode.storedChecksum();
            long computed = inode.computeChecksum();
            if (stored != computed) {
                throw new CorruptionException(CorruptionException.Structure.INODE, ino, at.block(), String.format("inode %d: checksum 0x%08x does not match computed 0x%08x", ino, stored, computed));
            }
        }
        if (isz > Superblock.GOOD_OLD_INODE_SIZE) {
            int extra = inode.extraIsize();
            if (extra % 4 != 0 || Superblock.GOOD_OLD_INODE_SIZE + extra > isz) {
                throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK, "inode " + ino + ": i_extra_isize " + extra + " does not fit the " + isz + "-byte inode");
            }
        }
        verifiedInodes.set(slot, inode);
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
    public InodeLocation inodeLocation(long ino, BlockReader blocks) {
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK, "inode " + ino + " is out of range (1.." + sb.inodesCount() + ")");
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
}
