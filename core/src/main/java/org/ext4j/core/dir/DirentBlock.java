package org.ext4j.core.dir;

import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.spi.CorruptionException;

/**
 * The linear directory entry format ({@code struct ext4_dir_entry_2}) and the checksum tail
 * ({@code struct ext4_dir_entry_tail}) of a directory leaf block: parsing with the kernel's
 * validity rules (ext4_check_dir_entry) plus the name rules of a POSIX file name.
 */
final class DirentBlock {
    /** ext4_dir_entry_2 fields. */
    static final int INODE = 0;
    static final int REC_LEN = 4;
    static final int NAME_LEN = 6;
    static final int FILE_TYPE = 7;
    static final int NAME = 8;

    /** ext4_dir_entry_tail: a fake dirent of 12 bytes at the end of a leaf block. */
    static final int TAIL_SIZE = 12;
    static final int DET_RESERVED_ZERO1 = 0;
    static final int DET_REC_LEN = 4;
    static final int DET_RESERVED_ZERO2 = 6;
    static final int DET_RESERVED_FT = 7;
    static final int DET_CHECKSUM = 8;
    /** EXT4_FT_DIR_CSUM: the file_type byte that marks the tail. */
    static final int FT_DIR_CSUM = 0xDE;

    /** The largest rec_len a 16-bit field holds; 64 KiB blocks encode a whole-block record as this or 0. */
    static final int MAX_REC_LEN = 65535;

    private DirentBlock() {
    }

    /** What a walk needs to know about the filesystem and the directory. */
    record Rules(long dirIno, int blockSize, boolean fileTypeFeature, long inodesCount) {
    }

    /** Receives each live entry; returning false stops the walk. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(long ino, byte[] buf, int nameOff, int nameLen, int fileType, long position);
    }

    /**
     * EXT4_DIR_REC_LEN: the space a dirent with a name of {@code nameLen} bytes needs (8 bytes of
     * header plus the name, rounded up to 4).
     */
    static int recLen(int nameLen) {
        return (NAME + nameLen + 3) & ~3;
    }

    /** ext4_rec_len_from_disk: 64 KiB blocks keep the top bits of rec_len in its low two bits. */
    static int recLenFromDisk(int raw, int blockSize) {
        if (blockSize < 65536) {
            return raw;
        }
        if (raw == MAX_REC_LEN || raw == 0) {
            return blockSize;
        }
        return (raw & 65532) | ((raw & 3) << 16);
    }

    /**
     * Walks the dirents that tile {@code buf[start, end)}, validating each, and passes every entry
     * with a non-zero inode to {@code visitor}. An entry's position is {@code positionBase + its
     * offset in buf}.
     *
     * @return false when the visitor stopped the walk
     * @throws CorruptionException naming {@code where} for an invalid dirent
     */
    static boolean walk(byte[] buf, int start, int end, long positionBase, Rules rules, String where,
                        Visitor visitor) {
        int off = start;
        // Each step advances by at least 12 bytes, so the walk ends within (end - start) / 12 steps.
        while (off < end) {
            CorruptionException.check(end - off >= recLen(1), direntWhere(rules, where, off)
                    + ": " + (end - off) + " bytes left, too few for a directory entry");
            long ino = LittleEndian.u32(buf, off + INODE);
            int recLen = recLenFromDisk(LittleEndian.u16(buf, off + REC_LEN), rules.blockSize());
            int nameLen = LittleEndian.u8(buf, off + NAME_LEN);
            CorruptionException.check(recLen >= recLen(1), direntWhere(rules, where, off)
                    + ": rec_len " + recLen + " is smaller than the minimum " + recLen(1));
            CorruptionException.check(recLen % 4 == 0, direntWhere(rules, where, off)
                    + ": rec_len " + recLen + " is not a multiple of 4");
            CorruptionException.check(recLen >= recLen(nameLen), direntWhere(rules, where, off)
                    + ": rec_len " + recLen + " is too small for name_len " + nameLen);
            CorruptionException.check(recLen <= end - off, direntWhere(rules, where, off)
                    + ": rec_len " + recLen + " runs past the end of the block (" + (end - off) + " bytes left)");
            if (ino != 0) {
                CorruptionException.check(ino <= rules.inodesCount(), direntWhere(rules, where, off)
                        + ": inode " + ino + " is beyond the " + rules.inodesCount() + " inodes of the filesystem");
                CorruptionException.check(nameLen > 0, direntWhere(rules, where, off) + ": empty name");
                for (int i = 0; i < nameLen; i++) {
                    byte c = buf[off + NAME + i];
                    CorruptionException.check(c != '/' && c != 0, direntWhere(rules, where, off)
                            + ": name contains " + (c == 0 ? "NUL" : "'/'"));
                }
                int fileType = rules.fileTypeFeature() ? LittleEndian.u8(buf, off + FILE_TYPE) : 0;
                if (!visitor.visit(ino, buf, off + NAME, nameLen, fileType, positionBase + off)) {
                    return false;
                }
            }
            off += recLen;
        }
        return true;
    }

    /** The dirent file_type byte as a {@link FileType} (unknown codes become UNKNOWN). */
    static FileType fileType(int code) {
        return FileType.fromDirentType(code);
    }

    /**
     * Checks the ext4_dir_entry_tail at the end of a leaf block and its crc32c, which covers the
     * block up to the tail and starts from the directory inode's checksum seed.
     */
    static void verifyTail(byte[] block, int blockSize, int inodeChecksumSeed, String where) {
        int t = blockSize - TAIL_SIZE;
        boolean isTail = LittleEndian.u32(block, t + DET_RESERVED_ZERO1) == 0
                && LittleEndian.u16(block, t + DET_REC_LEN) == TAIL_SIZE
                && LittleEndian.u8(block, t + DET_RESERVED_ZERO2) == 0
                && LittleEndian.u8(block, t + DET_RESERVED_FT) == FT_DIR_CSUM;
        CorruptionException.check(isTail, where + ": no directory checksum tail at the end of the block");
        int expected = Crc32c.update(inodeChecksumSeed, block, 0, t);
        int stored = LittleEndian.s32(block, t + DET_CHECKSUM);
        CorruptionException.check(stored == expected, where + ": checksum 0x" + Integer.toHexString(stored)
                + " does not match the contents (0x" + Integer.toHexString(expected) + ")");
    }

    private static String direntWhere(Rules rules, String where, int off) {
        return where + ": dirent at offset " + off;
    }
}
