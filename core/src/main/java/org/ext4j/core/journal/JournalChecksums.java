package org.ext4j.core.journal;

import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.disk.Crc32c;

/**
 * The csum v2/v3 checksums of journal blocks: every one is a crc32c started from the journal's
 * seed (crc32c(~0, s_uuid)) and stored big-endian.
 */
final class JournalChecksums {
    /** Bytes of jbd2_journal_block_tail, the checksum at the end of descriptor and revoke blocks. */
    static final int BLOCK_TAIL_SIZE = 4;
    /** h_chksum[0] of the commit block (commit_header). */
    static final int COMMIT_H_CHKSUM = 0x10;

    private JournalChecksums() {
    }

    /** Whether the tail checksum of a descriptor or revoke block matches (computed with the tail as zero). */
    static boolean blockTailMatches(int seed, byte[] block) {
        int tail = block.length - BLOCK_TAIL_SIZE;
        int crc = Crc32c.update(seed, block, 0, tail);
        crc = Crc32c.updateZeros(crc, BLOCK_TAIL_SIZE);
        return crc == BigEndian.s32(block, tail);
    }

    /** Stores the tail checksum of a descriptor or revoke block (computed with the tail as zero). */
    static void setBlockTail(int seed, byte[] block) {
        int tail = block.length - BLOCK_TAIL_SIZE;
        BigEndian.put32(block, tail, 0);
        BigEndian.put32(block, tail, Crc32c.update(seed, block, 0, block.length));
    }

    /** Stores the commit block's h_chksum[0] (computed with that field as zero). */
    static void setCommit(int seed, byte[] block) {
        BigEndian.put32(block, COMMIT_H_CHKSUM, 0);
        BigEndian.put32(block, COMMIT_H_CHKSUM, Crc32c.update(seed, block, 0, block.length));
    }

    /** Whether the commit block's h_chksum[0] matches (computed with that field as zero). */
    static boolean commitMatches(int seed, byte[] block) {
        int crc = Crc32c.update(seed, block, 0, COMMIT_H_CHKSUM);
        crc = Crc32c.updateZeros(crc, 4);
        crc = Crc32c.update(crc, block, COMMIT_H_CHKSUM + 4, block.length - COMMIT_H_CHKSUM - 4);
        return crc == BigEndian.s32(block, COMMIT_H_CHKSUM);
    }

    /**
     * The checksum of a logged data block as its tag stores it: crc32c over the big-endian
     * transaction id and then the block as written in the journal (still escaped). v2 tags keep
     * the low 16 bits.
     */
    static int dataBlock(int seed, int sequence, byte[] block) {
        byte[] seq = new byte[4];
        BigEndian.put32(seq, 0, sequence);
        int crc = Crc32c.update(seed, seq, 0, 4);
        return Crc32c.update(crc, block, 0, block.length);
    }
}
