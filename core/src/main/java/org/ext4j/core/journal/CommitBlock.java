package org.ext4j.core.journal;

import org.ext4j.core.disk.BigEndian;

/** The commit block (commit_header) that ends a transaction: v1 checksum fields and the commit time. */
final class CommitBlock {
    static final int H_CHKSUM_TYPE = 0xC;
    static final int H_CHKSUM_SIZE = 0xD;
    static final int H_CHKSUM = 0x10;
    static final int H_COMMIT_SEC = 0x30;
    static final int H_COMMIT_NSEC = 0x38;

    /** h_chksum_type of a v1 checksum (JBD2_CRC32_CHKSUM) and its size. */
    static final int JBD2_CRC32_CHKSUM = 1;
    static final int JBD2_CRC32_CHKSUM_SIZE = 4;

    private CommitBlock() {
    }

    /**
     * The commit block of transaction {@code sequence}: the commit time, the v1 checksum
     * {@code crc32Sum} with COMPAT_CHECKSUM, the block's own crc32c with csum v2/v3.
     */
    static byte[] build(JournalSuperblock sb, int blockSize, int sequence, long seconds, int nanoseconds, int crc32Sum) {
        byte[] block = new byte[blockSize];
        JournalHeader.put(block, JournalHeader.COMMIT_BLOCK, sequence);
        if (sb.hasCompat(JournalFeatures.COMPAT_CHECKSUM)) {
            block[H_CHKSUM_TYPE] = JBD2_CRC32_CHKSUM;
            block[H_CHKSUM_SIZE] = JBD2_CRC32_CHKSUM_SIZE;
            BigEndian.put32(block, H_CHKSUM, crc32Sum);
        }
        BigEndian.put64(block, H_COMMIT_SEC, seconds);
        BigEndian.put32(block, H_COMMIT_NSEC, nanoseconds);
        if (sb.hasCsumV2orV3()) {
            JournalChecksums.setCommit(sb.checksumSeed(), block);
        }
        return block;
    }

    /** h_commit_sec, an unsigned 64-bit count of seconds. */
    static long commitSeconds(byte[] block) {
        return BigEndian.u64(block, H_COMMIT_SEC);
    }

    /**
     * Whether the v1 transaction checksum agrees with {@code crc32Sum}, or the commit block carries
     * no checksum at all (type, size and value all zero), which v1 also accepts.
     */
    static boolean v1ChecksumAccepts(byte[] block, int crc32Sum) {
        int type = block[H_CHKSUM_TYPE] & 0xff;
        int size = block[H_CHKSUM_SIZE] & 0xff;
        int found = BigEndian.s32(block, H_CHKSUM);
        return (found == crc32Sum && type == JBD2_CRC32_CHKSUM && size == JBD2_CRC32_CHKSUM_SIZE)
                || (type == 0 && size == 0 && found == 0);
    }
}
