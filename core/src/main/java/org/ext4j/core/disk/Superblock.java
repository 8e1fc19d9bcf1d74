package org.ext4j.core.disk;

import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;
import static org.ext4j.core.disk.LittleEndian.u8;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The ext4 superblock: the 1024 bytes at byte offset 1024 of the device. Parsing validates every
 * value that sizes or locates another structure, so later code can trust them; the raw bytes are
 * kept so that a writer preserves the fields it does not interpret.
 */
public final class Superblock {
    /** Byte offset of the primary superblock on the device. */
    public static final int OFFSET = 1024;
    public static final int SIZE = 1024;
    public static final int EXT4_SUPER_MAGIC = 0xEF53;

    public static final int S_INODES_COUNT = 0x0;
    public static final int S_BLOCKS_COUNT_LO = 0x4;
    public static final int S_R_BLOCKS_COUNT_LO = 0x8;
    public static final int S_FREE_BLOCKS_COUNT_LO = 0xC;
    public static final int S_FREE_INODES_COUNT = 0x10;
    public static final int S_FIRST_DATA_BLOCK = 0x14;
    public static final int S_LOG_BLOCK_SIZE = 0x18;
    public static final int S_LOG_CLUSTER_SIZE = 0x1C;
    public static final int S_BLOCKS_PER_GROUP = 0x20;
    public static final int S_CLUSTERS_PER_GROUP = 0x24;
    public static final int S_INODES_PER_GROUP = 0x28;
    public static final int S_MTIME = 0x2C;
    public static final int S_WTIME = 0x30;
    public static final int S_MNT_COUNT = 0x34;
    public static final int S_MAX_MNT_COUNT = 0x36;
    public static final int S_MAGIC = 0x38;
    public static final int S_STATE = 0x3A;
    public static final int S_ERRORS = 0x3C;
    public static final int S_MINOR_REV_LEVEL = 0x3E;
    public static final int S_LASTCHECK = 0x40;
    public static final int S_CHECKINTERVAL = 0x44;
    public static final int S_CREATOR_OS = 0x48;
    public static final int S_REV_LEVEL = 0x4C;
    public static final int S_DEF_RESUID = 0x50;
    public static final int S_DEF_RESGID = 0x52;
    public static final int S_FIRST_INO = 0x54;
    public static final int S_INODE_SIZE = 0x58;
    public static final int S_BLOCK_GROUP_NR = 0x5A;
    public static final int S_FEATURE_COMPAT = 0x5C;
    public static final int S_FEATURE_INCOMPAT = 0x60;
    public static final int S_FEATURE_RO_COMPAT = 0x64;
    public static final int S_UUID = 0x68;
    public static final int S_VOLUME_NAME = 0x78;
    public static final int S_LAST_MOUNTED = 0x88;
    public static final int S_RESERVED_GDT_BLOCKS = 0xCE;
    public static final int S_JOURNAL_UUID = 0xD0;
    public static final int S_JOURNAL_INUM = 0xE0;
    public static final int S_JOURNAL_DEV = 0xE4;
    public static final int S_LAST_ORPHAN = 0xE8;
    public static final int S_HASH_SEED = 0xEC;
    public static final int S_DEF_HASH_VERSION = 0xFC;
    public static final int S_JNL_BACKUP_TYPE = 0xFD;
    public static final int S_DESC_SIZE = 0xFE;
    public static final int S_DEFAULT_MOUNT_OPTS = 0x100;
    public static final int S_FIRST_META_BG = 0x104;
    public static final int S_MKFS_TIME = 0x108;
    public static final int S_JNL_BLOCKS = 0x10C;
    public static final int S_BLOCKS_COUNT_HI = 0x150;
    public static final int S_R_BLOCKS_COUNT_HI = 0x154;
    public static final int S_FREE_BLOCKS_COUNT_HI = 0x158;
    public static final int S_MIN_EXTRA_ISIZE = 0x15C;
    public static final int S_WANT_EXTRA_ISIZE = 0x15E;
    public static final int S_FLAGS = 0x160;
    public static final int S_RAID_STRIDE = 0x164;
    public static final int S_MMP_INTERVAL = 0x166;
    public static final int S_MMP_BLOCK = 0x168;
    public static final int S_RAID_STRIPE_WIDTH = 0x170;
    public static final int S_LOG_GROUPS_PER_FLEX = 0x174;
    public static final int S_CHECKSUM_TYPE = 0x175;
    public static final int S_KBYTES_WRITTEN = 0x178;
    public static final int S_ERROR_COUNT = 0x194;
    public static final int S_BACKUP_BGS = 0x24C;
    public static final int S_CHECKSUM_SEED = 0x270;
    public static final int S_WTIME_HI = 0x274;
    public static final int S_MTIME_HI = 0x275;
    public static final int S_MKFS_TIME_HI = 0x276;
    public static final int S_LASTCHECK_HI = 0x277;
    public static final int S_ENCODING = 0x27C;
    public static final int S_ORPHAN_FILE_INUM = 0x280;
    public static final int S_CHECKSUM = 0x3FC;

    /** s_state bits. */
    public static final int STATE_VALID_FS = 0x1;
    public static final int STATE_ERROR_FS = 0x2;
    public static final int STATE_ORPHAN_FS = 0x4;

    /** s_flags bits. */
    public static final int FLAGS_SIGNED_HASH = 0x1;
    public static final int FLAGS_UNSIGNED_HASH = 0x2;

    public static final int GOOD_OLD_REV = 0;
    public static final int GOOD_OLD_INODE_SIZE = 128;
    public static final int GOOD_OLD_FIRST_INO = 11;

    private final byte[] raw;
    private final int blockSize;
    private final long blocksCount;
    private final long groupCount;
    private final int inodeSize;
    private final int descSize;
    /** crc32c(~0, uuid), computed once: every descriptor, inode and block checksum starts from it. */
    private final int uuidSeed;

    private Superblock(byte[] raw) {
        this.raw = raw;
        this.uuidSeed = Crc32c.update(Crc32c.INITIAL, raw, S_UUID, 16);
        if (!(u16(raw, S_MAGIC) == EXT4_SUPER_MAGIC)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    String.format("superblock: bad magic 0x%04x (not an ext2/3/4 filesystem)", u16(raw, S_MAGIC)));
        }
        long logBlockSize = u32(raw, S_LOG_BLOCK_SIZE);
        if (!(logBlockSize <= 6)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_log_block_size " + logBlockSize + " is out of range");
        }
        blockSize = 1024 << logBlockSize;
        checkClusterSize(logBlockSize);
        boolean is64 = (featureIncompat() & Features.INCOMPAT_64BIT) != 0;
        blocksCount = u32(raw, S_BLOCKS_COUNT_LO) | (is64 ? u32(raw, S_BLOCKS_COUNT_HI) << 32 : 0);
        long bpg = blocksPerGroup();
        long ipg = inodesPerGroup();
        if (!(bpg >= 8 && bpg <= 8L * blockSize && bpg % 8 == 0)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_blocks_per_group " + bpg + " is out of range");
        }
        if (!(ipg >= 1 && ipg <= 8L * blockSize)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_inodes_per_group " + ipg + " is out of range");
        }
        long first = firstDataBlock();
        if (!(first == (blockSize == 1024 ? 1 : 0) || blockSize == 1024 && first == 0)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_first_data_block " + first + " does not fit block size " + blockSize);
        }
        if (!(blocksCount > first)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_blocks_count " + blocksCount + " is too small");
        }
        groupCount = (blocksCount - first + bpg - 1) / bpg;
        if (!(groupCount >= 1 && groupCount <= (1L << 32))) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: group count " + groupCount + " is out of range");
        }
        if (!(u32(raw, S_INODES_COUNT) == groupCount * ipg || groupCount * ipg > 0xFFFFFFFFL)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_inodes_count " + u32(raw, S_INODES_COUNT) + " is not " + groupCount + " groups × " + ipg);
        }
        if (revLevel() == GOOD_OLD_REV) {
            inodeSize = GOOD_OLD_INODE_SIZE;
        } else {
            inodeSize = u16(raw, S_INODE_SIZE);
            if (!(inodeSize >= GOOD_OLD_INODE_SIZE && inodeSize <= blockSize && Integer.bitCount(inodeSize) == 1)) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: s_inode_size " + inodeSize + " is out of range");
            }
            if (!(firstIno() >= GOOD_OLD_FIRST_INO && firstIno() <= inodesCount())) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: s_first_ino " + firstIno() + " is out of range");
            }
        }
        if (is64) {
            descSize = u16(raw, S_DESC_SIZE);
            if (!(descSize >= 64 && descSize <= 1024 && Integer.bitCount(descSize) == 1)) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: s_desc_size " + descSize + " is out of range for a 64bit filesystem");
            }
        } else {
            descSize = 32;
        }
        if (hasRoCompat(Features.RO_COMPAT_METADATA_CSUM)) {
            if (!(u8(raw, S_CHECKSUM_TYPE) == 1)) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: unknown s_checksum_type " + u8(raw, S_CHECKSUM_TYPE));
            }
            if (!(computeChecksum(raw) == checksum())) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        String.format("superblock: checksum 0x%08x does not match computed 0x%08x", checksum(), computeChecksum(raw)));
            }
        }
    }

    /** The largest s_log_cluster_size the kernel mounts: 2^30-byte clusters (EXT4_MAX_CLUSTER_LOG_SIZE - 10). */
    public static final int MAX_LOG_CLUSTER_SIZE = 20;

    /**
     * The kernel's ext4_handle_clustersize, which refuses the mount (EINVAL) for these: a cluster
     * (s_log_cluster_size, s_log_frag_size before bigalloc) is one block without bigalloc and at
     * least one block with it. Code that reads without bigalloc counts blocks, not clusters, so a
     * mismatch would go unnoticed and make the bitmaps mean something else to the kernel.
     */
    private void checkClusterSize(long logBlockSize) {
        long logCluster = u32(raw, S_LOG_CLUSTER_SIZE);
        if (!(logCluster <= MAX_LOG_CLUSTER_SIZE)) {
            throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                    "superblock: s_log_cluster_size " + logCluster + " is out of range (at most " + MAX_LOG_CLUSTER_SIZE + ")");
        }
        if (hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            if (!(logCluster >= logBlockSize)) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: s_log_cluster_size " + logCluster
                    + " makes clusters (" + (1024L << logCluster) + " bytes) smaller than blocks (s_log_block_size "
                    + logBlockSize + ", " + blockSize + " bytes)");
            }
            // Groups, bitmaps and free counts are in clusters there: nothing here reads them so.
            if (logCluster > logBlockSize) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "cannot open: bigalloc with clusters of "
                        + (1L << (logCluster - logBlockSize)) + " blocks is not supported");
            }
        } else {
            if (!(logCluster == logBlockSize)) {
                throw new CorruptionException(CorruptionException.Structure.SUPERBLOCK,
                        "superblock: s_log_cluster_size " + logCluster
                    + " (clusters of " + (1024L << logCluster) + " bytes) differs from s_log_block_size " + logBlockSize
                    + " (blocks of " + blockSize + " bytes) on a filesystem without bigalloc");
            }
        }
    }

    /** Parses and validates a superblock from its 1024 raw bytes. */
    public static Superblock parse(byte[] raw) {
        if (raw.length != SIZE) {
            throw new IllegalArgumentException("superblock must be " + SIZE + " bytes");
        }
        return new Superblock(raw.clone());
    }

    /** The superblock checksum: raw crc32c from ~0 over everything before s_checksum. */
    public static int computeChecksum(byte[] raw) {
        return computeChecksum(raw, 0);
    }

    /** The checksum of the superblock that starts at {@code off} of {@code block} (no copy needed). */
    public static int computeChecksum(byte[] block, int off) {
        return Crc32c.update(Crc32c.INITIAL, block, off, S_CHECKSUM);
    }

    /** A copy of the raw bytes. */
    public byte[] raw() {
        return raw.clone();
    }

    public int blockSize() {
        return blockSize;
    }

    public long blocksCount() {
        return blocksCount;
    }

    public long groupCount() {
        return groupCount;
    }

    public int inodeSize() {
        return inodeSize;
    }

    /** Group descriptor size: 32, or s_desc_size with 64bit. */
    public int descSize() {
        return descSize;
    }

    public long inodesCount() {
        return u32(raw, S_INODES_COUNT);
    }

    public long reservedBlocksCount() {
        return u32(raw, S_R_BLOCKS_COUNT_LO) | (is64Bit() ? u32(raw, S_R_BLOCKS_COUNT_HI) << 32 : 0);
    }

    public long freeBlocksCount() {
        return u32(raw, S_FREE_BLOCKS_COUNT_LO) | (is64Bit() ? u32(raw, S_FREE_BLOCKS_COUNT_HI) << 32 : 0);
    }

    public long freeInodesCount() {
        return u32(raw, S_FREE_INODES_COUNT);
    }

    public long firstDataBlock() {
        return u32(raw, S_FIRST_DATA_BLOCK);
    }

    public long blocksPerGroup() {
        return u32(raw, S_BLOCKS_PER_GROUP);
    }

    public long clustersPerGroup() {
        return u32(raw, S_CLUSTERS_PER_GROUP);
    }

    public int logClusterSize() {
        return (int) u32(raw, S_LOG_CLUSTER_SIZE);
    }

    public long inodesPerGroup() {
        return u32(raw, S_INODES_PER_GROUP);
    }

    public long mountTime() {
        return u32(raw, S_MTIME) | (long) u8(raw, S_MTIME_HI) << 32;
    }

    public long writeTime() {
        return u32(raw, S_WTIME) | (long) u8(raw, S_WTIME_HI) << 32;
    }

    public long mkfsTime() {
        return u32(raw, S_MKFS_TIME) | (long) u8(raw, S_MKFS_TIME_HI) << 32;
    }

    public long lastCheckTime() {
        return u32(raw, S_LASTCHECK) | (long) u8(raw, S_LASTCHECK_HI) << 32;
    }

    public int mountCount() {
        return u16(raw, S_MNT_COUNT);
    }

    public int maxMountCount() {
        return (short) u16(raw, S_MAX_MNT_COUNT);
    }

    public int state() {
        return u16(raw, S_STATE);
    }

    public int errors() {
        return u16(raw, S_ERRORS);
    }

    public int creatorOs() {
        return (int) u32(raw, S_CREATOR_OS);
    }

    public int revLevel() {
        return (int) u32(raw, S_REV_LEVEL);
    }

    public int minorRevLevel() {
        return u16(raw, S_MINOR_REV_LEVEL);
    }

    public long firstIno() {
        return revLevel() == GOOD_OLD_REV ? GOOD_OLD_FIRST_INO : u32(raw, S_FIRST_INO);
    }

    public int defResuid() {
        return u16(raw, S_DEF_RESUID);
    }

    public int defResgid() {
        return u16(raw, S_DEF_RESGID);
    }

    public int featureCompat() {
        return (int) u32(raw, S_FEATURE_COMPAT);
    }

    public int featureIncompat() {
        return (int) u32(raw, S_FEATURE_INCOMPAT);
    }

    public int featureRoCompat() {
        return (int) u32(raw, S_FEATURE_RO_COMPAT);
    }

    public boolean hasCompat(int flag) {
        return (featureCompat() & flag) != 0;
    }

    public boolean hasIncompat(int flag) {
        return (featureIncompat() & flag) != 0;
    }

    public boolean hasRoCompat(int flag) {
        return (featureRoCompat() & flag) != 0;
    }

    public boolean is64Bit() {
        return hasIncompat(Features.INCOMPAT_64BIT);
    }

    public byte[] uuid() {
        return Arrays.copyOfRange(raw, S_UUID, S_UUID + 16);
    }

    public String volumeName() {
        return cString(S_VOLUME_NAME, 16);
    }

    public String lastMounted() {
        return cString(S_LAST_MOUNTED, 64);
    }

    public int reservedGdtBlocks() {
        return u16(raw, S_RESERVED_GDT_BLOCKS);
    }

    public byte[] journalUuid() {
        return Arrays.copyOfRange(raw, S_JOURNAL_UUID, S_JOURNAL_UUID + 16);
    }

    public long journalInum() {
        return u32(raw, S_JOURNAL_INUM);
    }

    public long journalDev() {
        return u32(raw, S_JOURNAL_DEV);
    }

    public long lastOrphan() {
        return u32(raw, S_LAST_ORPHAN);
    }

    /** s_hash_seed as four host-order words (dirhash takes them this way). */
    public int[] hashSeed() {
        int[] seed = new int[4];
        for (int i = 0; i < 4; i++) {
            seed[i] = LittleEndian.s32(raw, S_HASH_SEED + 4 * i);
        }
        return seed;
    }

    public int defHashVersion() {
        return u8(raw, S_DEF_HASH_VERSION);
    }

    public int defaultMountOpts() {
        return (int) u32(raw, S_DEFAULT_MOUNT_OPTS);
    }

    public long firstMetaBg() {
        return u32(raw, S_FIRST_META_BG);
    }

    public int minExtraIsize() {
        return u16(raw, S_MIN_EXTRA_ISIZE);
    }

    public int wantExtraIsize() {
        return u16(raw, S_WANT_EXTRA_ISIZE);
    }

    /** s_flags: signed/unsigned directory hash, test filesystem. */
    public int flags() {
        return (int) u32(raw, S_FLAGS);
    }

    public int logGroupsPerFlex() {
        return u8(raw, S_LOG_GROUPS_PER_FLEX);
    }

    public long kbytesWritten() {
        return LittleEndian.u64(raw, S_KBYTES_WRITTEN);
    }

    public long errorCount() {
        return u32(raw, S_ERROR_COUNT);
    }

    /** s_backup_bgs[0..1], the two backup groups of sparse_super2. */
    public long[] backupBgs() {
        return new long[] {u32(raw, S_BACKUP_BGS), u32(raw, S_BACKUP_BGS + 4)};
    }

    public int checksumSeedField() {
        return LittleEndian.s32(raw, S_CHECKSUM_SEED);
    }

    public long orphanFileInum() {
        return u32(raw, S_ORPHAN_FILE_INUM);
    }

    public int checksum() {
        return LittleEndian.s32(raw, S_CHECKSUM);
    }

    /** The seed every metadata checksum starts from: s_checksum_seed, or crc32c(~0, uuid). */
    public int checksumSeed() {
        if (hasIncompat(Features.INCOMPAT_CSUM_SEED)) {
            return checksumSeedField();
        }
        return uuidSeed;
    }

    /** True when group {@code group} holds a superblock and descriptor backup. */
    public boolean groupHasSuper(long group) {
        if (group == 0) {
            return true;
        }
        if (hasCompat(Features.COMPAT_SPARSE_SUPER2)) {
            long[] b = backupBgs();
            return group == b[0] || group == b[1];
        }
        if (group <= 1 || !hasRoCompat(Features.RO_COMPAT_SPARSE_SUPER)) {
            return true;
        }
        if ((group & 1) == 0) {
            return false;
        }
        return isPowerOf(group, 3) || isPowerOf(group, 5) || isPowerOf(group, 7);
    }

    private static boolean isPowerOf(long n, int base) {
        long p = base;
        while (p < n) {
            p *= base;
        }
        return p == n;
    }

    /**
     * Blocks at the start of {@code group} taken by the superblock backup, the group descriptor
     * table and the reserved descriptor blocks (or, past s_first_meta_bg, the meta_bg descriptor
     * block copies in the first, second and last group of each metagroup).
     */
    public long baseMetaBlocks(long group) {
        boolean hasSuper = groupHasSuper(group);
        long n = hasSuper ? 1 : 0;
        long perBlock = descsPerBlock();
        boolean metaBg = hasIncompat(Features.INCOMPAT_META_BG);
        if (!metaBg || group / perBlock < firstMetaBg()) {
            if (hasSuper) {
                long gdtBlocks = metaBg ? firstMetaBg() : (groupCount() + perBlock - 1) / perBlock;
                n += gdtBlocks + reservedGdtBlocks();
            }
        } else {
            long index = group % perBlock;
            if (index == 0 || index == 1 || index == perBlock - 1) {
                n += 1;
            }
        }
        return n;
    }

    /** Group descriptors that fit in one block. */
    public int descsPerBlock() {
        return blockSize / descSize;
    }

    /**
     * The block holding the descriptor of {@code group}: the table after the superblock, or with
     * meta_bg (past s_first_meta_bg) the first block of the metagroup after its superblock backup.
     */
    public long groupDescriptorBlock(long group) {
        long index = group / descsPerBlock();
        if (!hasIncompat(Features.INCOMPAT_META_BG) || index < firstMetaBg()) {
            return firstDataBlock() + 1 + index;
        }
        long first = index * descsPerBlock();
        return groupFirstBlock(first) + (groupHasSuper(first) ? 1 : 0);
    }

    /** Byte offset of the descriptor of {@code group} within {@link #groupDescriptorBlock}. */
    public int groupDescriptorOffset(long group) {
        return (int) (group % descsPerBlock()) * descSize;
    }

    /** First block of {@code group}. */
    public long groupFirstBlock(long group) {
        return firstDataBlock() + group * blocksPerGroup();
    }

    /** Which group holds {@code block}. */
    public long groupOfBlock(long block) {
        return (block - firstDataBlock()) / blocksPerGroup();
    }

    private String cString(int off, int max) {
        int len = 0;
        while (len < max && raw[off + len] != 0) {
            len++;
        }
        return new String(raw, off, len, StandardCharsets.UTF_8);
    }
}
