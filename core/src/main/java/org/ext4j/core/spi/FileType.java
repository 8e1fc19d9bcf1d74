package org.ext4j.core.spi;

/** What an inode is, from the S_IFMT bits of i_mode (and the dirent file_type byte). */
public enum FileType {
    UNKNOWN(0, 0), REGULAR(0x8000, 1), DIRECTORY(0x4000, 2), CHAR_DEVICE(0x2000, 3), BLOCK_DEVICE(0x6000, 4),
    FIFO(0x1000, 5), SOCKET(0xC000, 6), SYMLINK(0xA000, 7);

    /** The S_IFMT mask of i_mode. */
    public static final int S_IFMT = 0xF000;

    private final int modeBits;
    private final int direntType;

    FileType(int modeBits, int direntType) {
        this.modeBits = modeBits;
        this.direntType = direntType;
    }

    /** The S_IFxxx bits of this type. */
    public int modeBits() {
        return modeBits;
    }

    /** The EXT4_FT_xxx value stored in directory entries. */
    public int direntType() {
        return direntType;
    }

    /** {@link #values()} copies its array on every call; lookups run per inode and per entry. */
    private static final FileType[] ALL = values();

    public static FileType fromMode(int mode) {
        int fmt = mode & S_IFMT;
        for (FileType t : ALL) {
            if (t != UNKNOWN && t.modeBits == fmt) {
                return t;
            }
        }
        return UNKNOWN;
    }

    public static FileType fromDirentType(int type) {
        for (FileType t : ALL) {
            if (t.direntType == type) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
