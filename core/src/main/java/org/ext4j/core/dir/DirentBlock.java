package org.ext4j.core.dir;

import java.util.Arrays;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.FileType;
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
            // Checks build their message only when they fail: this loop is the hot path of lookups.
            if (end - off < recLen(1)) {
                throw bad(where, off, (end - off) + " bytes left, too few for a directory entry");
            }
            long ino = LittleEndian.u32(buf, off + INODE);
            int recLen = recLenFromDisk(LittleEndian.u16(buf, off + REC_LEN), rules.blockSize());
            int nameLen = LittleEndian.u8(buf, off + NAME_LEN);
            if (recLen < recLen(1) || recLen % 4 != 0 || recLen < recLen(nameLen) || recLen > end - off) {
                throw bad(where, off, "rec_len " + recLen + " does not fit (name_len " + nameLen + ", "
                        + (end - off) + " bytes left in the block; at least " + recLen(nameLen) + ", a multiple of 4)");
            }
            if (ino != 0) {
                if (ino > rules.inodesCount()) {
                    throw bad(where, off, "inode " + ino + " is beyond the " + rules.inodesCount() + " inodes of the filesystem");
                }
                if (nameLen == 0) {
                    throw bad(where, off, "empty name");
                }
                for (int i = 0; i < nameLen; i++) {
                    byte c = buf[off + NAME + i];
                    if (c == '/' || c == 0) {
                        throw bad(where, off, "name contains " + (c == 0 ? "NUL" : "'/'"));
                    }
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
        if (!(isTail)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, where + ": no directory checksum tail at the end of the block");
        }
        int expected = Crc32c.update(inodeChecksumSeed, block, 0, t);
        int stored = LittleEndian.s32(block, t + DET_CHECKSUM);
        if (!(stored == expected)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, where + ": checksum 0x" + Integer.toHexString(stored)
                + " does not match the contents (0x" + Integer.toHexString(expected) + ")");
        }
    }

    /** ext4_rec_len_to_disk: the inverse of {@link #recLenFromDisk}. */
    static int recLenToDisk(int len, int blockSize) {
        if (len < 65536) {
            return len;
        }
        if (len == blockSize) {
            return blockSize == 65536 ? MAX_REC_LEN : 0;
        }
        return (len & 65532) | ((len >> 16) & 3);
    }

    /** The rec_len of the dirent at {@code off}. */
    static int recLenAt(byte[] buf, int off, int blockSize) {
        return recLenFromDisk(LittleEndian.u16(buf, off + REC_LEN), blockSize);
    }

    /** Sets the rec_len of the dirent at {@code off}. */
    static void setRecLen(byte[] buf, int off, int recLen, int blockSize) {
        LittleEndian.put16(buf, off + REC_LEN, recLenToDisk(recLen, blockSize));
    }

    /** Writes a whole dirent header and name at {@code off}. */
    static void put(byte[] buf, int off, long ino, int recLen, byte[] name, int fileType, int blockSize) {
        LittleEndian.put32(buf, off + INODE, ino);
        setRecLen(buf, off, recLen, blockSize);
        buf[off + NAME_LEN] = (byte) name.length;
        buf[off + FILE_TYPE] = (byte) fileType;
        System.arraycopy(name, 0, buf, off + NAME, name.length);
    }

    /**
     * The first dirent in {@code buf[start, end)} with room for a name of {@code nameLen} bytes
     * (an unused one as long as the new entry, or a live one whose rec_len exceeds what its name
     * needs by that much), as the kernel's ext4_find_dest_de picks it. The region must have been
     * validated with {@link #walk}.
     *
     * @return its offset, or -1 when the region is full
     */
    static int findRoom(byte[] buf, int start, int end, int nameLen, int blockSize) {
        int need = recLen(nameLen);
        int off = start;
        while (off < end) {
            int rl = recLenAt(buf, off, blockSize);
            long ino = LittleEndian.u32(buf, off + INODE);
            int used = ino == 0 ? 0 : recLen(LittleEndian.u8(buf, off + NAME_LEN));
            if (rl - used >= need) {
                return off;
            }
            off += rl;
        }
        return -1;
    }

    /**
     * Places an entry in the dirent at {@code off} found by {@link #findRoom}: an unused dirent
     * takes it whole; a live one is cut to what its name needs and the new entry gets the rest.
     */
    static void insert(byte[] buf, int off, long ino, byte[] name, int fileType, int blockSize) {
        int rl = recLenAt(buf, off, blockSize);
        if (LittleEndian.u32(buf, off + INODE) == 0) {
            put(buf, off, ino, rl, name, fileType, blockSize);
            return;
        }
        int used = recLen(LittleEndian.u8(buf, off + NAME_LEN));
        setRecLen(buf, off, used, blockSize);
        put(buf, off + used, ino, rl - used, name, fileType, blockSize);
    }

    /**
     * Deletes the live dirent at {@code target} in the region {@code buf[start, end)}, as
     * ext4_generic_delete_entry does: the previous dirent's rec_len absorbs it, or, when it is
     * the first of the region, its inode becomes 0. The dead name is wiped.
     *
     * @throws CorruptionException when no dirent starts at {@code target}
     */
    static void delete(byte[] buf, int start, int end, int target, int blockSize, String where) {
        int prev = -1;
        int off = start;
        while (off < end && off != target) {
            prev = off;
            int rl = recLenAt(buf, off, blockSize);
            if (rl < recLen(1)) {
                throw bad(where, off, "rec_len " + rl + " is too small");
            }
            off += rl;
        }
        if (off != target) {
            throw bad(where, target, "no directory entry starts here");
        }
        int rl = recLenAt(buf, target, blockSize);
        int nameLen = LittleEndian.u8(buf, target + NAME_LEN);
        if (prev >= 0) {
            setRecLen(buf, prev, recLenAt(buf, prev, blockSize) + rl, blockSize);
            Arrays.fill(buf, target, target + Math.min(rl, NAME + nameLen), (byte) 0);
        } else {
            LittleEndian.put32(buf, target + INODE, 0);
            Arrays.fill(buf, target + NAME, target + NAME + nameLen, (byte) 0);
            buf[target + NAME_LEN] = 0;
            buf[target + FILE_TYPE] = 0;
        }
    }

    /** Writes an ext4_dir_entry_tail (without its checksum) at the end of a leaf block. */
    static void initTail(byte[] block, int blockSize) {
        int t = blockSize - TAIL_SIZE;
        Arrays.fill(block, t, blockSize, (byte) 0);
        LittleEndian.put16(block, t + DET_REC_LEN, TAIL_SIZE);
        block[t + DET_RESERVED_FT] = (byte) FT_DIR_CSUM;
    }

    /** Sets the checksum of the ext4_dir_entry_tail of a leaf block (see {@link #verifyTail}). */
    static void setTailChecksum(byte[] block, int blockSize, int inodeChecksumSeed) {
        int t = blockSize - TAIL_SIZE;
        LittleEndian.put32(block, t + DET_CHECKSUM, Crc32c.update(inodeChecksumSeed, block, 0, t) & 0xFFFFFFFFL);
    }

    private static CorruptionException bad(String where, int off, String what) {
        return new CorruptionException(CorruptionException.Structure.DIRECTORY, where + ": dirent at offset " + off + ": " + what);
    }
}
