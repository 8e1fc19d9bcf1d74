package org.ext4j.core.inode;

import static org.ext4j.core.disk.LittleEndian.s32;
import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;

import java.util.Arrays;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Superblock;

/**
 * One inode as read from the inode table: an immutable snapshot of its raw bytes with accessors
 * named after the kernel's fields. The extra fields (nanosecond timestamps, crtime, checksum high
 * half) are read only when i_extra_isize says they are present.
 */
public final class Inode {
    public static final int I_MODE = 0x0;
    public static final int I_UID = 0x2;
    public static final int I_SIZE_LO = 0x4;
    public static final int I_ATIME = 0x8;
    public static final int I_CTIME = 0xC;
    public static final int I_MTIME = 0x10;
    public static final int I_DTIME = 0x14;
    public static final int I_GID = 0x18;
    public static final int I_LINKS_COUNT = 0x1A;
    public static final int I_BLOCKS_LO = 0x1C;
    public static final int I_FLAGS = 0x20;
    public static final int I_VERSION = 0x24;
    public static final int I_BLOCK = 0x28;
    public static final int I_BLOCK_SIZE = 60;
    public static final int I_GENERATION = 0x64;
    public static final int I_FILE_ACL_LO = 0x68;
    public static final int I_SIZE_HIGH = 0x6C;
    public static final int I_BLOCKS_HIGH = 0x74;
    public static final int I_FILE_ACL_HIGH = 0x76;
    public static final int I_UID_HIGH = 0x78;
    public static final int I_GID_HIGH = 0x7A;
    public static final int I_CHECKSUM_LO = 0x7C;
    public static final int I_EXTRA_ISIZE = 0x80;
    public static final int I_CHECKSUM_HI = 0x82;
    public static final int I_CTIME_EXTRA = 0x84;
    public static final int I_MTIME_EXTRA = 0x88;
    public static final int I_ATIME_EXTRA = 0x8C;
    public static final int I_CRTIME = 0x90;
    public static final int I_CRTIME_EXTRA = 0x94;
    public static final int I_VERSION_HI = 0x98;
    public static final int I_PROJID = 0x9C;

    /** Reserved inode numbers. */
    public static final long ROOT_INO = 2;
    public static final long JOURNAL_INO = 8;

    private final long ino;
    private final byte[] raw;
    private final int checksumSeed;

    /**
     * Wraps raw inode bytes (inode_size long). {@code fsChecksumSeed} is the filesystem's
     * metadata checksum seed; the inode's own seed is derived from it.
     */
    public Inode(long ino, byte[] raw, int fsChecksumSeed) {
        this.ino = ino;
        this.raw = raw;
        int seed = Crc32c.updateLe32(fsChecksumSeed, ino);
        this.checksumSeed = Crc32c.updateLe32(seed, u32(raw, I_GENERATION));
    }

    public long ino() {
        return ino;
    }

    /** A copy of the raw inode bytes. */
    public byte[] raw() {
        return Arrays.copyOf(raw, raw.length);
    }

    /** True when {@code block} holds exactly this record at {@code offset}. */
    public boolean isRecordAt(byte[] block, int offset) {
        return Arrays.equals(raw, 0, raw.length, block, offset, offset + raw.length);
    }

    /** The on-disk size of this inode record. */
    public int recordSize() {
        return raw.length;
    }

    public int mode() {
        return u16(raw, I_MODE);
    }

    /** Permission bits including setuid/setgid/sticky (the low 12 bits of i_mode). */
    public int permissions() {
        return mode() & 07777;
    }

    public FileType type() {
        return FileType.fromMode(mode());
    }

    public boolean isDirectory() {
        return type() == FileType.DIRECTORY;
    }

    public long uid() {
        return u16(raw, I_UID) | (long) u16(raw, I_UID_HIGH) << 16;
    }

    public long gid() {
        return u16(raw, I_GID) | (long) u16(raw, I_GID_HIGH) << 16;
    }

    /** i_size; negative values (a hostile image) are the caller's to reject. */
    public long size() {
        return u32(raw, I_SIZE_LO) | u32(raw, I_SIZE_HIGH) << 32;
    }

    public int linksCount() {
        return u16(raw, I_LINKS_COUNT);
    }

    public int flags() {
        return s32(raw, I_FLAGS);
    }

    public boolean hasFlag(int flag) {
        return (flags() & flag) != 0;
    }

    /** A copy of the 60-byte i_block area (extent root, block pointers, inline data or a fast symlink). */
    public byte[] iBlock() {
        return Arrays.copyOfRange(raw, I_BLOCK, I_BLOCK + I_BLOCK_SIZE);
    }

    public int generation() {
        return s32(raw, I_GENERATION);
    }

    public long fileAcl() {
        return u32(raw, I_FILE_ACL_LO) | (long) u16(raw, I_FILE_ACL_HIGH) << 32;
    }

    public long dtime() {
        return u32(raw, I_DTIME);
    }

    /**
     * i_blocks in 512-byte units, as stat reports it. With {@code huge_file} the high 16 bits count,
     * and an inode with EXT4_HUGE_FILE_FL counts in filesystem blocks.
     */
    public long blocks512(boolean hugeFileFeature, int blockSize) {
        long blocks = u32(raw, I_BLOCKS_LO);
        if (hugeFileFeature) {
            blocks |= (long) u16(raw, I_BLOCKS_HIGH) << 32;
            if (hasFlag(InodeFlags.EXT4_HUGE_FILE_FL)) {
                blocks *= blockSize / 512;
            }
        }
        return blocks;
    }

    /** i_extra_isize, or 0 for 128-byte inodes. */
    public int extraIsize() {
        return raw.length > Superblock.GOOD_OLD_INODE_SIZE ? u16(raw, I_EXTRA_ISIZE) : 0;
    }

    /** True when the field at {@code offset} of {@code size} bytes lies within 128 + i_extra_isize. */
    public boolean fitsInExtra(int offset, int size) {
        return raw.length > Superblock.GOOD_OLD_INODE_SIZE
                && offset + size <= Superblock.GOOD_OLD_INODE_SIZE + extraIsize();
    }

    public Timestamp atime() {
        return time(I_ATIME, I_ATIME_EXTRA);
    }

    public Timestamp mtime() {
        return time(I_MTIME, I_MTIME_EXTRA);
    }

    public Timestamp ctime() {
        return time(I_CTIME, I_CTIME_EXTRA);
    }

    /** Creation time, or null when the inode has no room for it. */
    public Timestamp crtime() {
        if (!fitsInExtra(I_CRTIME, 4)) {
            return null;
        }
        return time(I_CRTIME, I_CRTIME_EXTRA);
    }

    private Timestamp time(int field, int extraField) {
        boolean hasExtra = fitsInExtra(extraField, 4);
        return Timestamp.decode(s32(raw, field), hasExtra ? u32(raw, extraField) : 0, hasExtra);
    }

    /** Major number of a device inode: the old 16-bit encoding in i_block[0], or the new one in i_block[1]. */
    public int deviceMajor() {
        long old = u32(raw, I_BLOCK);
        if (old != 0) {
            return (int) ((old >> 8) & 0xff);
        }
        long dev = u32(raw, I_BLOCK + 4);
        return (int) ((dev & 0xfff00) >> 8);
    }

    /** Minor number of a device inode (see {@link #deviceMajor}). */
    public int deviceMinor() {
        long old = u32(raw, I_BLOCK);
        if (old != 0) {
            return (int) (old & 0xff);
        }
        long dev = u32(raw, I_BLOCK + 4);
        return (int) ((dev & 0xff) | ((dev >> 12) & 0xfff00));
    }

    /** The start value of this inode's metadata checksums: crc32c(fs seed, ino, generation). */
    public int checksumSeed() {
        return checksumSeed;
    }

    /** The stored inode checksum (16 bits when i_checksum_hi does not fit). */
    public long storedChecksum() {
        long lo = u16(raw, I_CHECKSUM_LO);
        return fitsInExtra(I_CHECKSUM_HI, 2) ? lo | (long) u16(raw, I_CHECKSUM_HI) << 16 : lo;
    }

    /** The checksum this inode's bytes should carry, computed as the kernel does. */
    public long computeChecksum() {
        byte[] copy = Arrays.copyOf(raw, raw.length);
        copy[I_CHECKSUM_LO] = 0;
        copy[I_CHECKSUM_LO + 1] = 0;
        boolean hi = fitsInExtra(I_CHECKSUM_HI, 2);
        if (hi) {
            copy[I_CHECKSUM_HI] = 0;
            copy[I_CHECKSUM_HI + 1] = 0;
        }
        long crc = Crc32c.update(checksumSeed, copy, 0, copy.length) & 0xffffffffL;
        return hi ? crc : crc & 0xffff;
    }

    /** True when every byte is zero (an inode that was never used). */
    public boolean isAllZero() {
        for (byte b : raw) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
