package org.ext4j.core.journal;

/**
 * One tag of a descriptor block: the filesystem block that the next journal block is a copy of.
 *
 * @param fsBlock where the logged block belongs in the filesystem
 * @param flags JBD2_FLAG_* bits
 * @param checksum the data block checksum (16 bits with csum v2, 32 with v3, unused otherwise)
 */
record JournalBlockTag(long fsBlock, int flags, int checksum) {
    /** The block's first four bytes were the journal magic and were zeroed in the log. */
    static final int FLAG_ESCAPE = 0x1;
    /** No UUID follows this tag: it has the previous tag's. */
    static final int FLAG_SAME_UUID = 0x2;
    /** The block was deleted in this transaction (unused by jbd2 since ext3). */
    static final int FLAG_DELETED = 0x4;
    /** The descriptor's last tag. */
    static final int FLAG_LAST_TAG = 0x8;

    boolean escaped() {
        return (flags & FLAG_ESCAPE) != 0;
    }
}
