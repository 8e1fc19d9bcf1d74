package org.ext4j.core.journal;

import org.ext4j.core.disk.BigEndian;
import org.ext4j.core.spi.CorruptionException;

/**
 * A revoke block (jbd2_journal_revoke_header_t and its records): filesystem blocks whose logged
 * copies in this and earlier transactions must not be replayed.
 */
final class RevokeBlock {
    /** r_count: bytes used in the block, header included. */
    static final int R_COUNT = 0xC;
    static final int HEADER_SIZE = 16;

    private RevokeBlock() {
    }

    /** How many block numbers one revoke block holds. */
    static int capacity(JournalSuperblock sb, int blockSize) {
        int limit = blockSize - (sb.hasCsumV2orV3() ? JournalChecksums.BLOCK_TAIL_SIZE : 0);
        return (limit - HEADER_SIZE) / recordLength(sb);
    }

    /** The revoke block of transaction {@code sequence} for {@code blocks[from..to)} (at most {@link #capacity}). */
    static byte[] build(JournalSuperblock sb, int blockSize, int sequence, long[] blocks, int from, int to) {
        if (to <= from || to - from > capacity(sb, blockSize)) {
            throw new IllegalArgumentException((to - from) + " revoke records do not fit one revoke block");
        }
        int recordLen = recordLength(sb);
        byte[] block = new byte[blockSize];
        JournalHeader.put(block, JournalHeader.REVOKE_BLOCK, sequence);
        int off = HEADER_SIZE;
        for (int i = from; i < to; i++) {
            if (recordLen == 8) {
                BigEndian.put64(block, off, blocks[i]);
            } else if (blocks[i] >>> 32 == 0) {
                BigEndian.put32(block, off, blocks[i]);
            } else {
                throw new IllegalArgumentException("block " + blocks[i] + " needs a 64-bit journal");
            }
            off += recordLen;
        }
        BigEndian.put32(block, R_COUNT, off);
        if (sb.hasCsumV2orV3()) {
            JournalChecksums.setBlockTail(sb.checksumSeed(), block);
        }
        return block;
    }

    private static int recordLength(JournalSuperblock sb) {
        return sb.hasIncompat(JournalFeatures.INCOMPAT_64BIT) ? 8 : 4;
    }

    /** The revoked filesystem block numbers, 4 or 8 bytes each (64BIT). */
    static long[] records(JournalSuperblock sb, byte[] block, long journalBlock) {
        long count = BigEndian.u32(block, R_COUNT);
        int limit = block.length - (sb.hasCsumV2orV3() ? JournalChecksums.BLOCK_TAIL_SIZE : 0);
        if (!(count <= limit)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, CorruptionException.NO_INODE, journalBlock,
                    "revoke block at journal block " + journalBlock + ": r_count " + count + " exceeds " + limit);
        }
        int recordLen = sb.hasIncompat(JournalFeatures.INCOMPAT_64BIT) ? 8 : 4;
        int n = count < HEADER_SIZE ? 0 : (int) ((count - HEADER_SIZE) / recordLen);
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            int off = HEADER_SIZE + i * recordLen;
            blocks[i] = recordLen == 8 ? BigEndian.u64(block, off) : BigEndian.u32(block, off);
        }
        return blocks;
    }
}
