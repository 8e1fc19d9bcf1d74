package org.ext4j.core.journal;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.disk.BigEndian;

/**
 * A descriptor block: the header, then one tag per following journal block naming where that
 * block belongs; with csum v2/v3 a block tail checksum ends it.
 */
final class DescriptorBlock {
    // journal_block_tag_t (no csum v3): t_blocknr, t_checksum (16 bits), t_flags (16 bits), t_blocknr_high.
    static final int T_BLOCKNR = 0x0;
    static final int T_CHECKSUM16 = 0x4;
    static final int T_FLAGS16 = 0x6;
    static final int T_BLOCKNR_HIGH = 0x8;
    // journal_block_tag3_t (csum v3): t_blocknr, t_flags (32 bits), t_blocknr_high, t_checksum (32 bits).
    static final int T3_FLAGS = 0x4;
    static final int T3_CHECKSUM = 0xC;
    static final int UUID_SIZE = 16;

    private DescriptorBlock() {
    }

    /**
     * The tags of {@code block}, in order, up to the one flagged last or as many as fit. The count
     * is bounded by the block size, so a hostile block cannot make this loop long.
     */
    static List<JournalBlockTag> tags(JournalSuperblock sb, byte[] block) {
        int tagBytes = sb.tagBytes();
        boolean v3 = sb.hasIncompat(JournalFeatures.INCOMPAT_CSUM_V3);
        boolean wide = sb.hasIncompat(JournalFeatures.INCOMPAT_64BIT);
        int end = block.length - (sb.hasCsumV2orV3() ? JournalChecksums.BLOCK_TAIL_SIZE : 0);
        List<JournalBlockTag> tags = new ArrayList<>();
        int pos = JournalHeader.SIZE;
        while (pos + tagBytes <= end) {
            long fsBlock = BigEndian.u32(block, pos + T_BLOCKNR);
            if (wide) {
                fsBlock |= BigEndian.u32(block, pos + T_BLOCKNR_HIGH) << 32;
            }
            // Both layouts keep the flags in the low 16 bits at offset 6 (tag3's t_flags is a be32 at 4).
            int flags = BigEndian.u16(block, pos + T_FLAGS16);
            int checksum = v3 ? BigEndian.s32(block, pos + T3_CHECKSUM) : BigEndian.u16(block, pos + T_CHECKSUM16);
            tags.add(new JournalBlockTag(fsBlock, flags, checksum));
            pos += tagBytes;
            if ((flags & JournalBlockTag.FLAG_SAME_UUID) == 0) {
                pos += UUID_SIZE;
            }
            if ((flags & JournalBlockTag.FLAG_LAST_TAG) != 0) {
                break;
            }
        }
        return tags;
    }
}
