package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.s32;

import java.util.List;

/**
 * The hashes ext4 keeps in xattr tables: {@code e_hash} per entry (name, then value words) and
 * {@code h_hash} per block (the entry hashes folded together), used to find identical blocks to
 * share. The read path does not enforce them (neither does the kernel); a writer must set them.
 */
public final class XattrHash {
    private static final int NAME_HASH_SHIFT = 5;
    private static final int VALUE_HASH_SHIFT = 16;
    private static final int BLOCK_HASH_SHIFT = 16;

    private XattrHash() {
    }

    /**
     * e_hash of an entry whose value is stored in the table. Name bytes are taken unsigned, as
     * current kernels do (old kernels on signed-char machines hashed them signed).
     */
    public static int entryHash(byte[] name, byte[] value) {
        int hash = 0;
        for (byte b : name) {
            hash = (hash << NAME_HASH_SHIFT) ^ (hash >>> (32 - NAME_HASH_SHIFT)) ^ (b & 0xff);
        }
        // The value is hashed in little-endian 32-bit words, its zero padding included.
        byte[] padded = java.util.Arrays.copyOf(value, (value.length + XattrTable.PAD - 1) & ~(XattrTable.PAD - 1));
        for (int i = 0; i < padded.length; i += 4) {
            hash = (hash << VALUE_HASH_SHIFT) ^ (hash >>> (32 - VALUE_HASH_SHIFT)) ^ s32(padded, i);
        }
        return hash;
    }

    /** h_hash of a block whose entries carry {@code entryHashes}, in table order: 0 as soon as one is 0. */
    public static int blockHash(int[] entryHashes) {
        int hash = 0;
        for (int h : entryHashes) {
            if (h == 0) {
                return 0;
            }
            hash = (hash << BLOCK_HASH_SHIFT) ^ (hash >>> (32 - BLOCK_HASH_SHIFT)) ^ h;
        }
        return hash;
    }

    /** h_hash of a block holding {@code entries}: 0 as soon as one entry has no hash. */
    public static int blockHash(List<XattrEntry> entries) {
        int hash = 0;
        for (XattrEntry e : entries) {
            if (e.hash() == 0) {
                return 0;
            }
            hash = (hash << BLOCK_HASH_SHIFT) ^ (hash >>> (32 - BLOCK_HASH_SHIFT)) ^ e.hash();
        }
        return hash;
    }
}
