package org.ext4j.core.htree;

import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.CorruptionException;

/**
 * One index block of an htree directory: the dx_root (logical block 0, behind fake "." and ".."
 * dirents and a dx_root_info) or a dx_node (behind one empty dirent spanning the block). Both hold
 * a sorted array of (hash, block) entries whose first hash slot is the count/limit header.
 * Parsing validates the header, the limit against what the block holds, the ordering, and with
 * metadata_csum the dx_tail checksum.
 */
public final class DxBlock {
    /** Fake "." dirent of the dx_root: inode, rec_len (12), name_len (1), file_type, name. */
    public static final int DOT_REC_LEN = 4;
    public static final int DOT_NAME_LEN = 6;
    public static final int DOT_NAME = 8;
    /** Fake ".." dirent at offset 12, whose rec_len covers the rest of the block. */
    public static final int DOTDOT = 12;
    /** struct dx_root_info, right after "..". */
    public static final int DX_ROOT_INFO = 24;
    public static final int INFO_RESERVED_ZERO = DX_ROOT_INFO;
    public static final int INFO_HASH_VERSION = DX_ROOT_INFO + 4;
    public static final int INFO_INFO_LENGTH = DX_ROOT_INFO + 5;
    public static final int INFO_INDIRECT_LEVELS = DX_ROOT_INFO + 6;
    public static final int INFO_UNUSED_FLAGS = DX_ROOT_INFO + 7;
    /** sizeof(struct dx_root_info): the only info_length the kernel and e2fsck accept. */
    public static final int DX_ROOT_INFO_SIZE = 8;
    /** Where the root's dx_countlimit and entries start. */
    public static final int ROOT_ENTRIES = DX_ROOT_INFO + DX_ROOT_INFO_SIZE;
    /** A dx_node's entries start after its 8-byte fake dirent. */
    public static final int NODE_ENTRIES = 8;
    /** dx_countlimit inside entry 0: limit, then count. */
    public static final int LIMIT = 0;
    public static final int COUNT = 2;
    /** struct dx_entry: hash, then block. */
    public static final int ENTRY_SIZE = 8;
    public static final int ENTRY_HASH = 0;
    public static final int ENTRY_BLOCK = 4;
    /** struct dx_tail, right after the limit entries: dt_reserved, then dt_checksum. */
    public static final int DX_TAIL_SIZE = 8;
    public static final int DT_RESERVED = 0;
    public static final int DT_CHECKSUM = 4;
    /** dx_root_info.unused_flags bit the kernel refuses (EXT4_HASH_FLAG_INCOMPAT). */
    public static final int HASH_FLAG_INCOMPAT = 0x1;
    /** The top bits of a dx_entry block number are reserved; the kernel masks them off. */
    public static final int BLOCK_MASK = 0x0fffffff;

    private final byte[] block;
    private final long lblk;
    private final int entriesOffset;
    private final int count;

    private DxBlock(byte[] block, long lblk, int entriesOffset, int count) {
        this.block = block;
        this.lblk = lblk;
        this.entriesOffset = entriesOffset;
        this.count = count;
    }

    /** Validation context: which directory, its geometry and checksum settings. */
    public record Context(long dirIno, int blockSize, boolean metadataCsum, int inodeChecksumSeed) {
    }

    /**
     * Parses logical block 0 of an indexed directory as a dx_root (its dx_root_info is read by
     * {@link #rootHashVersion}, {@link #rootIndirectLevels}).
     */
    public static DxBlock root(byte[] block, Context ctx) {
        String where = where(ctx, 0, "dx_root");
        int bs = ctx.blockSize();
        if (!(block.length == bs)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": block has " + block.length + " bytes");
        }
        if (!(LittleEndian.u16(block, DOT_REC_LEN) == 12 && LittleEndian.u8(block, DOT_NAME_LEN) == 1 && block[DOT_NAME] == '.')) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": the first entry is not \".\" with rec_len 12");
        }
        if (!(LittleEndian.u16(block, DOTDOT + DOT_REC_LEN) == bs - DOTDOT && LittleEndian.u8(block, DOTDOT + DOT_NAME_LEN) == 2 && block[DOTDOT + DOT_NAME] == '.' && block[DOTDOT + DOT_NAME + 1] == '.')) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": the second entry is not \"..\" spanning the rest of the block");
        }
        if (!(LittleEndian.u32(block, INFO_RESERVED_ZERO) == 0)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": reserved_zero is "
                + LittleEndian.u32(block, INFO_RESERVED_ZERO));
        }
        if (!(LittleEndian.u8(block, INFO_INFO_LENGTH) == DX_ROOT_INFO_SIZE)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where
                + ": info_length " + LittleEndian.u8(block, INFO_INFO_LENGTH) + " is not " + DX_ROOT_INFO_SIZE);
        }
        if (!((LittleEndian.u8(block, INFO_UNUSED_FLAGS) & HASH_FLAG_INCOMPAT) == 0)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": unimplemented hash flags 0x" + Integer.toHexString(LittleEndian.u8(block, INFO_UNUSED_FLAGS)));
        }
        return parse(block, 0, ROOT_ENTRIES, ctx, where);
    }

    /** Parses an interior index block (dx_node) read from logical block {@code lblk}. */
    public static DxBlock node(byte[] block, long lblk, Context ctx) {
        String where = where(ctx, lblk, "dx_node");
        int bs = ctx.blockSize();
        if (!(block.length == bs)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": block has " + block.length + " bytes");
        }
        if (!(LittleEndian.u32(block, 0) == 0)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": the fake dirent has inode "
                + LittleEndian.u32(block, 0));
        }
        int recLen = LittleEndian.u16(block, DOT_REC_LEN);
        if (!(recLen == bs || (bs == 65536 && (recLen == 0 || recLen == 65535)))) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": the fake dirent's rec_len " + recLen + " does not span the block");
        }
        return parse(block, lblk, NODE_ENTRIES, ctx, where);
    }

    private static DxBlock parse(byte[] block, long lblk, int entriesOffset, Context ctx, String where) {
        int bs = ctx.blockSize();
        int expectedLimit = (bs - entriesOffset) / ENTRY_SIZE - (ctx.metadataCsum() ? DX_TAIL_SIZE / ENTRY_SIZE : 0);
        int limit = LittleEndian.u16(block, entriesOffset + LIMIT);
        int count = LittleEndian.u16(block, entriesOffset + COUNT);
        if (!(limit == expectedLimit)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": limit " + limit + " is not the "
                + expectedLimit + " entries the block holds");
        }
        if (!(count >= 1 && count <= limit)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": count " + count
                + " is outside 1.." + limit);
        }
        DxBlock dx = new DxBlock(block, lblk, entriesOffset, count);
        for (int i = 2; i < count; i++) {
            if (!(Integer.compareUnsigned(dx.hash(i - 1), dx.hash(i)) <= 0)) {
                throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where
                    + ": entry " + i + " hash 0x" + Integer.toHexString(dx.hash(i)) + " is below the previous 0x"
                    + Integer.toHexString(dx.hash(i - 1)));
            }
        }
        if (ctx.metadataCsum()) {
            int tail = entriesOffset + limit * ENTRY_SIZE;
            int crc = Crc32c.update(ctx.inodeChecksumSeed(), block, 0, entriesOffset + count * ENTRY_SIZE);
            crc = Crc32c.update(crc, block, tail + DT_RESERVED, 4);
            // dt_checksum itself is summed as zero.
            crc = Crc32c.updateZeros(crc, 4);
            int stored = LittleEndian.s32(block, tail + DT_CHECKSUM);
            if (!(stored == crc)) {
                throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": checksum 0x" + Integer.toHexString(stored)
                    + " does not match the contents (0x" + Integer.toHexString(crc) + ")");
            }
        }
        return dx;
    }

    /** The hash_version of a dx_root (0..2 on a valid filesystem, 6 for siphash). */
    public int rootHashVersion() {
        return LittleEndian.u8(block, INFO_HASH_VERSION);
    }

    /** The indirect_levels of a dx_root: how many dx_node levels lie between it and the leaves. */
    public int rootIndirectLevels() {
        return LittleEndian.u8(block, INFO_INDIRECT_LEVELS);
    }

    /** The logical block this index block was read from. */
    public long lblk() {
        return lblk;
    }

    /** How many entries are in use (entry 0 covers hashes below entry 1's). */
    public int count() {
        return count;
    }

    /** The lowest hash of entry {@code i}'s subtree ({@code i >= 1}; entry 0 has none). */
    public int hash(int i) {
        return LittleEndian.s32(block, entriesOffset + i * ENTRY_SIZE + ENTRY_HASH);
    }

    /** The logical directory block entry {@code i} points to. */
    public long block(int i) {
        return LittleEndian.u32(block, entriesOffset + i * ENTRY_SIZE + ENTRY_BLOCK) & BLOCK_MASK;
    }

    /**
     * The entry whose subtree holds {@code hash}: the last entry whose hash is {@code <=} it
     * (unsigned), or entry 0.
     */
    public int find(int hash) {
        int lo = 1;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(hash(mid), hash) > 0) {
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return lo - 1;
    }

    /** How many entries the block can hold (dx_countlimit.limit). */
    public int limit() {
        return LittleEndian.u16(block, entriesOffset + LIMIT);
    }

    /** Where the dx_countlimit and the entries start: {@link #ROOT_ENTRIES} or {@link #NODE_ENTRIES}. */
    public int entriesOffset() {
        return entriesOffset;
    }

    /**
     * dx_root_limit / dx_node_limit: the entries an index block holds after its header at
     * {@code entriesOffset}, one fewer with metadata_csum (the dx_tail takes 8 bytes).
     */
    public static int limitFor(int blockSize, int entriesOffset, boolean metadataCsum) {
        return (blockSize - entriesOffset) / ENTRY_SIZE - (metadataCsum ? DX_TAIL_SIZE / ENTRY_SIZE : 0);
    }

    /** Writes the dx_countlimit of the index block whose entries start at {@code entriesOffset}. */
    public static void putCountLimit(byte[] block, int entriesOffset, int count, int limit) {
        LittleEndian.put16(block, entriesOffset + LIMIT, limit);
        LittleEndian.put16(block, entriesOffset + COUNT, count);
    }

    /** Sets entry {@code i} to ({@code hash}, {@code lblk}); entry 0 has no hash slot (it holds the count and limit). */
    public static void putEntry(byte[] block, int entriesOffset, int i, int hash, long lblk) {
        int e = entriesOffset + i * ENTRY_SIZE;
        if (i > 0) {
            LittleEndian.put32(block, e + ENTRY_HASH, hash & 0xFFFFFFFFL);
        }
        LittleEndian.put32(block, e + ENTRY_BLOCK, lblk);
    }

    /**
     * Inserts ({@code hash}, {@code lblk}) as entry {@code i} (1..count), shifting the later
     * entries up, and raises the count, as the kernel's dx_insert_block. The caller has checked
     * that count is below the limit.
     */
    public static void insertEntry(byte[] block, int entriesOffset, int i, int hash, long lblk) {
        int count = LittleEndian.u16(block, entriesOffset + COUNT);
        int at = entriesOffset + i * ENTRY_SIZE;
        System.arraycopy(block, at, block, at + ENTRY_SIZE, (count - i) * ENTRY_SIZE);
        putEntry(block, entriesOffset, i, hash, lblk);
        LittleEndian.put16(block, entriesOffset + COUNT, count + 1);
    }

    /** Writes the fake dirent that opens a dx_node: inode 0 and a rec_len spanning the block. */
    public static void putNodeHeader(byte[] block, int blockSize) {
        LittleEndian.put32(block, 0, 0);
        LittleEndian.put16(block, DOT_REC_LEN, blockSize < 65536 ? blockSize : 65535);
        LittleEndian.put16(block, DOT_NAME_LEN, 0);
    }

    /** Sets the indirect_levels of a dx_root. */
    public static void putIndirectLevels(byte[] rootBlock, int levels) {
        rootBlock[INFO_INDIRECT_LEVELS] = (byte) levels;
    }

    /**
     * Writes the dx_tail of an index block with metadata_csum: dt_reserved 0 and the checksum
     * that {@link #root} and {@link #node} verify.
     */
    public static void putChecksum(byte[] block, int entriesOffset, int inodeChecksumSeed) {
        int limit = LittleEndian.u16(block, entriesOffset + LIMIT);
        int count = LittleEndian.u16(block, entriesOffset + COUNT);
        int tail = entriesOffset + limit * ENTRY_SIZE;
        LittleEndian.put32(block, tail + DT_RESERVED, 0);
        int crc = Crc32c.update(inodeChecksumSeed, block, 0, entriesOffset + count * ENTRY_SIZE);
        crc = Crc32c.update(crc, block, tail + DT_RESERVED, 4);
        crc = Crc32c.updateZeros(crc, 4);
        LittleEndian.put32(block, tail + DT_CHECKSUM, crc & 0xFFFFFFFFL);
    }

    private static String where(Context ctx, long lblk, String what) {
        return what + " of directory inode " + ctx.dirIno() + " (logical block " + lblk + ")";
    }
}
