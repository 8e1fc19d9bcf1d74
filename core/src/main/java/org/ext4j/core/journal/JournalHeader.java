package org.ext4j.core.journal;

import org.ext4j.core.disk.BigEndian;

/** The 12-byte header (journal_header_t) that starts every jbd2 metadata block, and the block types. */
final class JournalHeader {
    private JournalHeader() {
    }

    static final int H_MAGIC = 0x0;
    static final int H_BLOCKTYPE = 0x4;
    static final int H_SEQUENCE = 0x8;
    static final int SIZE = 12;

    static final int JBD2_MAGIC_NUMBER = 0xC03B3998;

    static final int DESCRIPTOR_BLOCK = 1;
    static final int COMMIT_BLOCK = 2;
    static final int SUPERBLOCK_V1 = 3;
    static final int SUPERBLOCK_V2 = 4;
    static final int REVOKE_BLOCK = 5;

    /** Writes the header of a {@code type} block of transaction {@code sequence} at the start of {@code block}. */
    static void put(byte[] block, int type, int sequence) {
        BigEndian.put32(block, H_MAGIC, JBD2_MAGIC_NUMBER);
        BigEndian.put32(block, H_BLOCKTYPE, type);
        BigEndian.put32(block, H_SEQUENCE, sequence);
    }

    static boolean hasMagic(byte[] block) {
        return BigEndian.s32(block, H_MAGIC) == JBD2_MAGIC_NUMBER;
    }

    static int blockType(byte[] block) {
        return BigEndian.s32(block, H_BLOCKTYPE);
    }

    /** The transaction id (tid), an unsigned 32-bit number compared modulo 2^32. */
    static int sequence(byte[] block) {
        return BigEndian.s32(block, H_SEQUENCE);
    }
}
