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
     * How many tags one descriptor block holds: the first tag is followed by the journal UUID, the
     * others say SAME_UUID; with csum v2/v3 the block tail checksum takes the last bytes.
     */
    static int capacity(JournalSuperblock sb, int blockSize) {
        int end = blockSize - (sb.hasCsumV2orV3() ? JournalChecksums.BLOCK_TAIL_SIZE : 0);
        return (end - JournalHeader.SIZE - UUID_SIZE) / sb.tagBytes();
    }

    /**
     * The descriptor block of transaction {@code sequence} announcing {@code tags} (at most
     * {@link #capacity}); the flags of each tag are taken as given except SAME_UUID and LAST_TAG,
     * which this sets.
     */
    static byte[] build(JournalSuperblock sb, int blockSize, int sequence, List<JournalBlockTag> tags) {
        if (tags.isEmpty() || tags.size() > capacity(sb, blockSize)) {
            throw new IllegalArgumentException(tags.size() + " tags do not fit one descriptor block");
        }
        boolean v3 = sb.hasIncompat(JournalFeatures.INCOMPAT_CSUM_V3);
        boolean v2 = sb.hasIncompat(JournalFeatures.INCOMPAT_CSUM_V2);
        boolean wide = sb.hasIncompat(JournalFeatures.INCOMPAT_64BIT);
        byte[] block = new byte[blockSize];
        JournalHeader.put(block, JournalHeader.DESCRIPTOR_BLOCK, sequence);
        int pos = JournalHeader.SIZE;
        for (int i = 0; i < tags.size(); i++) {
            JournalBlockTag tag = tags.get(i);
            if (!wide && tag.fsBlock() >>> 32 != 0) {
                throw new IllegalArgumentException("block " + tag.fsBlock() + " needs a 64-bit journal");
            }
            int flags = tag.flags() & ~(JournalBlockTag.FLAG_SAME_UUID | JournalBlockTag.FLAG_LAST_TAG);
            if (i > 0) {
                flags |= JournalBlockTag.FLAG_SAME_UUID;
            }
            if (i == tags.size() - 1) {
                flags |= JournalBlockTag.FLAG_LAST_TAG;
            }
            BigEndian.put32(block, pos + T_BLOCKNR, tag.fsBlock());
            if (v3) {
                BigEndian.put32(block, pos + T3_FLAGS, flags);
                BigEndian.put32(block, pos + T3_CHECKSUM, tag.checksum());
            } else {
                BigEndian.put16(block, pos + T_CHECKSUM16, v2 ? tag.checksum() & 0xffff : 0);
                BigEndian.put16(block, pos + T_FLAGS16, flags);
            }
            if (wide) {
                BigEndian.put32(block, pos + T_BLOCKNR_HIGH, tag.fsBlock() >>> 32);
            }
            pos += sb.tagBytes();
            if (i == 0) {
                System.arraycopy(sb.uuid(), 0, block, pos, UUID_SIZE);
                pos += UUID_SIZE;
            }
        }
        if (sb.hasCsumV2orV3()) {
            JournalChecksums.setBlockTail(sb.checksumSeed(), block);
        }
        return block;
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
