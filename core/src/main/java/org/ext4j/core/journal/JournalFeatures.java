package org.ext4j.core.journal;

/** The feature bits of the jbd2 superblock (meaningful only in a version-2 superblock). */
public final class JournalFeatures {
    private JournalFeatures() {
    }

    /** v1 transaction checksums: a crc32_be over each transaction's descriptor and data blocks, in the commit block. */
    public static final int COMPAT_CHECKSUM = 0x1;

    /** The log holds revoke blocks. */
    public static final int INCOMPAT_REVOKE = 0x1;
    /** Block numbers in tags and revoke records are 64 bits wide. */
    public static final int INCOMPAT_64BIT = 0x2;
    /** Commit blocks may reach the disk before the transaction's other blocks. */
    public static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    /** crc32c checksums with 16-bit tag checksums. */
    public static final int INCOMPAT_CSUM_V2 = 0x8;
    /** crc32c checksums with 32-bit tag checksums (journal_block_tag3_t). */
    public static final int INCOMPAT_CSUM_V3 = 0x10;
    /** A fast-commit area follows the normal log at the end of the journal. */
    public static final int INCOMPAT_FAST_COMMIT = 0x20;

    /** Every INCOMPAT bit this recovery understands; others make it refuse the journal. */
    public static final int KNOWN_INCOMPAT = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT
            | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3 | INCOMPAT_FAST_COMMIT;
    /** jbd2 defines no RO_COMPAT features. */
    public static final int KNOWN_RO_COMPAT = 0;
}
