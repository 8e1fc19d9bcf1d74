package org.ext4j.core.journal;

import java.util.Arrays;
import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The jbd2 journal superblock (journal_superblock_t, the first 1024 bytes of journal block 0):
 * the log's geometry, where the oldest live transaction starts, features and checksum.
 */
public final class JournalSuperblock {
    static final int S_BLOCKSIZE = 0x0C;
    static final int S_MAXLEN = 0x10;
    static final int S_FIRST = 0x14;
    static final int S_SEQUENCE = 0x18;
    static final int S_START = 0x1C;
    static final int S_ERRNO = 0x20;
    static final int S_FEATURE_COMPAT = 0x24;
    static final int S_FEATURE_INCOMPAT = 0x28;
    static final int S_FEATURE_RO_COMPAT = 0x2C;
    static final int S_UUID = 0x30;
    static final int S_NR_USERS = 0x40;
    static final int S_CHECKSUM_TYPE = 0x50;
    static final int S_NUM_FC_BLKS = 0x54;
    static final int S_HEAD = 0x58;
    static final int S_CHECKSUM = 0xFC;

    /** Bytes of the superblock record; the rest of journal block 0 is unused. */
    public static final int SIZE = 1024;

    /** s_checksum_type value for crc32c, the only one csum v2/v3 journals use. */
    static final int JBD2_CRC32C_CHKSUM = 4;
    /** Fast-commit blocks reserved when s_num_fc_blks is 0 (JBD2_DEFAULT_FAST_COMMIT_BLOCKS). */
    static final int DEFAULT_FAST_COMMIT_BLOCKS = 256;

    private final byte[] raw;
    private final int formatVersion;
    private final long maxLen;
    private final long first;
    private final long start;
    private final int compat;
    private final int incompat;
    private final int roCompat;
    private final long fastCommitBlocks;

    private JournalSuperblock(byte[] raw, int formatVersion, long maxLen, long first, long start,
                              int compat, int incompat, int roCompat, long fastCommitBlocks) {
        this.raw = raw;
        this.formatVersion = formatVersion;
        this.maxLen = maxLen;
        this.first = first;
        this.start = start;
        this.compat = compat;
        this.incompat = incompat;
        this.roCompat = roCompat;
        this.fastCommitBlocks = fastCommitBlocks;
    }

    /**
     * Parses and validates the superblock of an internal journal.
     *
     * @param bytes at least {@link #SIZE} bytes from the start of journal block 0
     * @param fsBlockSize the filesystem block size, which an internal journal must share
     * @param journalBlocks how many blocks the journal inode holds; the log may not claim more
     * @throws CorruptionException if a field contradicts the journal's size or its checksum
     * @throws Ext4Exception (EOPNOTSUPP) for an unknown feature or checksum type
     */
    public static JournalSuperblock parse(byte[] bytes, int fsBlockSize, long journalBlocks) {
        if (!(bytes.length >= SIZE)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: only " + bytes.length + " bytes");
        }
        byte[] raw = Arrays.copyOf(bytes, SIZE);
        if (!JournalHeader.hasMagic(raw)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    String.format("journal superblock: bad magic 0x%08x", BigEndian.s32(raw, JournalHeader.H_MAGIC)));
        }
        int type = JournalHeader.blockType(raw);
        if (!(type == JournalHeader.SUPERBLOCK_V1 || type == JournalHeader.SUPERBLOCK_V2)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: block type " + type + " is neither v1 (3) nor v2 (4)");
        }
        int version = type == JournalHeader.SUPERBLOCK_V1 ? 1 : 2;

        long blockSize = BigEndian.u32(raw, S_BLOCKSIZE);
        if (!(blockSize == fsBlockSize)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: s_blocksize " + blockSize + " differs from the filesystem block size " + fsBlockSize);
        }
        long maxLen = BigEndian.u32(raw, S_MAXLEN);
        if (!(maxLen <= journalBlocks)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: s_maxlen " + maxLen + " exceeds the journal inode's " + journalBlocks + " blocks");
        }
        long first = BigEndian.u32(raw, S_FIRST);
        if (!(first >= 1 && first < maxLen)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: s_first " + first + " is not within 1.." + (maxLen - 1));
        }

        // A v1 superblock has no feature fields: jbd2 honours them only from version 2 on.
        int compat = version == 2 ? BigEndian.s32(raw, S_FEATURE_COMPAT) : 0;
        int incompat = version == 2 ? BigEndian.s32(raw, S_FEATURE_INCOMPAT) : 0;
        int roCompat = version == 2 ? BigEndian.s32(raw, S_FEATURE_RO_COMPAT) : 0;
        if ((incompat & ~JournalFeatures.KNOWN_INCOMPAT) != 0 || (roCompat & ~JournalFeatures.KNOWN_RO_COMPAT) != 0) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, String.format(
                    "journal superblock: unknown features incompat 0x%x ro_compat 0x%x; ext4j cannot replay this journal",
                    incompat & ~JournalFeatures.KNOWN_INCOMPAT, roCompat & ~JournalFeatures.KNOWN_RO_COMPAT));
        }
        boolean v2 = (incompat & JournalFeatures.INCOMPAT_CSUM_V2) != 0;
        boolean v3 = (incompat & JournalFeatures.INCOMPAT_CSUM_V3) != 0;
        if (v2 && v3) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: both csum v2 and csum v3 are set");
        }
        if ((v2 || v3) && (compat & JournalFeatures.COMPAT_CHECKSUM) != 0) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: v1 checksums and csum v2/v3 are both set");
        }
        if (v2 || v3) {
            int csumType = raw[S_CHECKSUM_TYPE] & 0xff;
            if (csumType != JBD2_CRC32C_CHKSUM) {
                throw new Ext4Exception(Errno.EOPNOTSUPP,
                        "journal superblock: checksum type " + csumType + " is not crc32c (4)");
            }
            int stored = BigEndian.s32(raw, S_CHECKSUM);
            int computed = checksumOf(raw);
            if (!(stored == computed)) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                        String.format(
                    "journal superblock: checksum 0x%08x does not match the computed 0x%08x", stored, computed));
            }
        }

        long fastCommitBlocks = 0;
        if ((incompat & JournalFeatures.INCOMPAT_FAST_COMMIT) != 0) {
            long n = BigEndian.u32(raw, S_NUM_FC_BLKS);
            fastCommitBlocks = n == 0 ? DEFAULT_FAST_COMMIT_BLOCKS : n;
            if (!(maxLen - fastCommitBlocks > first)) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                        "journal superblock: " + fastCommitBlocks + " fast-commit blocks leave no log between s_first "
                            + first + " and s_maxlen " + maxLen);
            }
        }
        long start = BigEndian.u32(raw, S_START);
        long last = maxLen - fastCommitBlocks;
        if (!(start == 0 || (start >= first && start < last))) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL,
                    "journal superblock: s_start " + start + " is outside the log " + first + ".." + (last - 1));
        }
        return new JournalSuperblock(raw, version, maxLen, first, start, compat, incompat, roCompat, fastCommitBlocks);
    }

    /** The crc32c of the superblock record with its s_checksum field taken as zero. */
    static int checksumOf(byte[] raw) {
        int crc = Crc32c.update(Crc32c.INITIAL, raw, 0, S_CHECKSUM);
        crc = Crc32c.updateZeros(crc, 4);
        return Crc32c.update(crc, raw, S_CHECKSUM + 4, SIZE - S_CHECKSUM - 4);
    }

    /** 1 for a JBD (v1) superblock, 2 for a v2 superblock. */
    public int formatVersion() {
        return formatVersion;
    }

    /** s_maxlen: blocks in the journal, superblock included. */
    public long maxLen() {
        return maxLen;
    }

    /** s_first: the first journal block of the log. */
    public long first() {
        return first;
    }

    /** One past the last block of the circular log (s_maxlen less the fast-commit area). */
    public long last() {
        return maxLen - fastCommitBlocks;
    }

    /**
     * The first block of the fast-commit area (jbd2's j_fc_first, one past {@link #last()}, where
     * the kernel writes the fast-commit head). Meaningful only with fast commit.
     */
    public long fastCommitFirst() {
        return last() + 1;
    }

    /** s_sequence: the id of the oldest transaction still in the log (or the next one, when clean). */
    public long sequence() {
        return BigEndian.u32(raw, S_SEQUENCE);
    }

    /** s_start: the journal block where the log begins; 0 when the journal is clean. */
    public long start() {
        return start;
    }

    /** True when the log holds no transactions to replay (s_start is 0). */
    public boolean isClean() {
        return start == 0;
    }

    /** s_head: where the next transaction goes, kept by jbd2 only while the log is empty (0 if never set). */
    public long head() {
        return BigEndian.u32(raw, S_HEAD);
    }

    /** s_errno: the error the journal was aborted with (negative errno), 0 if none. */
    public int errno() {
        return BigEndian.s32(raw, S_ERRNO);
    }

    public int featureCompat() {
        return compat;
    }

    public int featureIncompat() {
        return incompat;
    }

    public int featureRoCompat() {
        return roCompat;
    }

    public boolean hasIncompat(int feature) {
        return (incompat & feature) != 0;
    }

    public boolean hasCompat(int feature) {
        return (compat & feature) != 0;
    }

    /** s_uuid, a copy. */
    public byte[] uuid() {
        return Arrays.copyOfRange(raw, S_UUID, S_UUID + 16);
    }

    /** True with csum v2 or v3: descriptor, revoke, commit and data blocks carry crc32c checksums. */
    public boolean hasCsumV2orV3() {
        return hasIncompat(JournalFeatures.INCOMPAT_CSUM_V2 | JournalFeatures.INCOMPAT_CSUM_V3);
    }

    /** s_num_fc_blks as in effect (256 when the field is 0); 0 without fast commit. */
    public long fastCommitBlocks() {
        return fastCommitBlocks;
    }

    /** The checksum seed of every journal block checksum: crc32c(~0, s_uuid). */
    public int checksumSeed() {
        return Crc32c.update(Crc32c.INITIAL, raw, S_UUID, 16);
    }

    /** Bytes of one descriptor tag, without the UUID that may follow it. */
    public int tagBytes() {
        if (hasIncompat(JournalFeatures.INCOMPAT_CSUM_V3)) {
            return 16;
        }
        int size = 12;
        if (hasIncompat(JournalFeatures.INCOMPAT_CSUM_V2)) {
            size += 2;
        }
        return hasIncompat(JournalFeatures.INCOMPAT_64BIT) ? size : size - 4;
    }

    /** A copy of the 1024 bytes this superblock was parsed from. */
    public byte[] raw() {
        return raw.clone();
    }

    /**
     * This superblock with s_start, s_sequence, s_head and the feature words replaced (a writer's
     * view of the log), s_checksum_type set to crc32c when csum v2/v3 is on, and the checksum
     * recomputed when the journal has one. Every other byte is kept.
     *
     * @param start where the oldest live transaction begins, or 0 for an empty log
     * @param head the s_head to record (meaningful with an empty log; 0 to leave it unset)
     */
    JournalSuperblock edited(long start, long sequence, long head, int newCompat, int newIncompat) {
        if ((newIncompat & ~JournalFeatures.KNOWN_INCOMPAT) != 0 || formatVersion != 2) {
            throw new IllegalArgumentException("cannot set journal features 0x" + Integer.toHexString(newIncompat));
        }
        long last = maxLen - fastCommitBlocks;
        if (start != 0 && (start < first || start >= last)) {
            throw new IllegalArgumentException("s_start " + start + " is outside the log " + first + ".." + (last - 1));
        }
        byte[] out = raw.clone();
        BigEndian.put32(out, S_START, start);
        BigEndian.put32(out, S_SEQUENCE, sequence);
        BigEndian.put32(out, S_HEAD, head);
        BigEndian.put32(out, S_FEATURE_COMPAT, newCompat);
        BigEndian.put32(out, S_FEATURE_INCOMPAT, newIncompat);
        boolean csum = (newIncompat & (JournalFeatures.INCOMPAT_CSUM_V2 | JournalFeatures.INCOMPAT_CSUM_V3)) != 0;
        if (csum) {
            out[S_CHECKSUM_TYPE] = JBD2_CRC32C_CHKSUM;
            BigEndian.put32(out, S_CHECKSUM, checksumOf(out));
        }
        return new JournalSuperblock(out, formatVersion, maxLen, first, start, newCompat, newIncompat, roCompat,
                fastCommitBlocks);
    }

    /**
     * The superblock bytes of an empty log that starts its next transaction at {@code nextSequence}:
     * s_start 0, s_sequence set, the checksum recomputed when the journal has one. Every other byte
     * is kept as read.
     */
    public byte[] emptied(long nextSequence) {
        byte[] out = raw.clone();
        BigEndian.put32(out, S_START, 0);
        BigEndian.put32(out, S_SEQUENCE, nextSequence);
        if (hasCsumV2orV3()) {
            BigEndian.put32(out, S_CHECKSUM, checksumOf(out));
        }
        return out;
    }
}
