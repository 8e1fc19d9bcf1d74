package org.ext4j.core.inode;

import java.util.Arrays;

import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.disk.LittleEndian;

/**
 * A mutable copy of an inode record with setters named after the kernel's fields: the write
 * path changes an inode by editing one of these and storing it with {@code tx.InodeStore.write}.
 * Bytes it does not set are kept as read.
 */
public final class InodeEditor {
    /** The kernel's EXT4_TIMESTAMP_MIN: a signed 32-bit count of seconds. */
    public static final long TIME_MIN = Integer.MIN_VALUE;
    /** Without the _extra words time is a signed 32-bit count of seconds. */
    public static final long TIME_MAX_NO_EXTRA = Integer.MAX_VALUE;
    /** With them, two epoch bits extend it by three more 2^32-second eras (until 2446). */
    public static final long TIME_MAX_EXTRA = Integer.MAX_VALUE + (3L << 32);

    private final long ino;
    private final byte[] raw;

    public InodeEditor(Inode inode) {
        this.ino = inode.ino();
        this.raw = inode.raw();
    }

    public long ino() {
        return ino;
    }

    /** The edited record (a view: further edits show through). */
    public byte[] raw() {
        return raw;
    }

    /** The edited record as an {@link Inode} (a snapshot). */
    public Inode view(int fsChecksumSeed) {
        return new Inode(ino, Arrays.copyOf(raw, raw.length), fsChecksumSeed);
    }

    public int mode() {
        return LittleEndian.u16(raw, Inode.I_MODE);
    }

    public InodeEditor mode(int mode) {
        LittleEndian.put16(raw, Inode.I_MODE, mode);
        return this;
    }

    public InodeEditor uid(long uid) {
        LittleEndian.put16(raw, Inode.I_UID, (int) uid);
        LittleEndian.put16(raw, Inode.I_UID_HIGH, (int) (uid >>> 16));
        return this;
    }

    public InodeEditor gid(long gid) {
        LittleEndian.put16(raw, Inode.I_GID, (int) gid);
        LittleEndian.put16(raw, Inode.I_GID_HIGH, (int) (gid >>> 16));
        return this;
    }

    public int linksCount() {
        return LittleEndian.u16(raw, Inode.I_LINKS_COUNT);
    }

    public InodeEditor linksCount(int links) {
        LittleEndian.put16(raw, Inode.I_LINKS_COUNT, links);
        return this;
    }

    public long size() {
        return LittleEndian.u32(raw, Inode.I_SIZE_LO) | LittleEndian.u32(raw, Inode.I_SIZE_HIGH) << 32;
    }

    public InodeEditor size(long size) {
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
        return this;
    }

    public int flags() {
        return LittleEndian.s32(raw, Inode.I_FLAGS);
    }

    public InodeEditor flags(int flags) {
        LittleEndian.put32(raw, Inode.I_FLAGS, flags);
        return this;
    }

    public InodeEditor generation(int generation) {
        LittleEndian.put32(raw, Inode.I_GENERATION, generation);
        return this;
    }

    public InodeEditor dtime(long seconds) {
        LittleEndian.put32(raw, Inode.I_DTIME, seconds);
        return this;
    }

    /** Sets i_extra_isize (256-byte and larger inodes only). */
    public InodeEditor extraIsize(int size) {
        if (raw.length > 128) {
            LittleEndian.put16(raw, Inode.I_EXTRA_ISIZE, size);
        }
        return this;
    }

    /** Replaces the 60-byte i_block area. */
    public InodeEditor iBlock(byte[] block) {
        if (block.length > Inode.I_BLOCK_SIZE) {
            throw new IllegalArgumentException("i_block holds 60 bytes");
        }
        java.util.Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        System.arraycopy(block, 0, raw, Inode.I_BLOCK, block.length);
        return this;
    }

    public InodeEditor atime(Timestamp t) {
        return time(Inode.I_ATIME, Inode.I_ATIME_EXTRA, t);
    }

    public InodeEditor mtime(Timestamp t) {
        return time(Inode.I_MTIME, Inode.I_MTIME_EXTRA, t);
    }

    public InodeEditor ctime(Timestamp t) {
        return time(Inode.I_CTIME, Inode.I_CTIME_EXTRA, t);
    }

    public InodeEditor crtime(Timestamp t) {
        if (fitsInExtra(Inode.I_CRTIME_EXTRA)) {
            time(Inode.I_CRTIME, Inode.I_CRTIME_EXTRA, t);
        }
        return this;
    }

    /**
     * The time as this inode can store it in {@code extraField}'s slot, like the kernel's
     * timestamp_truncate: seconds clamped to the representable range (nanoseconds dropped at
     * either end), nanoseconds dropped where the inode has no _extra word.
     */
    public Timestamp storable(Timestamp t, int extraField) {
        boolean extra = fitsInExtra(extraField);
        long max = extra ? TIME_MAX_EXTRA : TIME_MAX_NO_EXTRA;
        if (t.seconds() <= TIME_MIN) {
            return new Timestamp(TIME_MIN, 0);
        }
        if (t.seconds() >= max) {
            return new Timestamp(max, 0);
        }
        return extra ? t : new Timestamp(t.seconds(), 0);
    }

    /**
     * Stores a time as ext4 does, clamped by {@link #storable}: the low 32 bits of the seconds
     * in the base field; with room for the _extra word, the epoch bits ((seconds - (int) seconds)
     * >> 32, two bits) and the nanoseconds shifted left by two.
     */
    private InodeEditor time(int field, int extraField, Timestamp requested) {
        Timestamp t = storable(requested, extraField);
        long seconds = t.seconds();
        LittleEndian.put32(raw, field, seconds);
        if (fitsInExtra(extraField)) {
            long epoch = ((seconds - (int) seconds) >> 32) & 3;
            LittleEndian.put32(raw, extraField, epoch | (long) t.nanos() << 2);
        }
        return this;
    }

    private boolean fitsInExtra(int field) {
        return raw.length > 128 && field + 4 <= 128 + LittleEndian.u16(raw, Inode.I_EXTRA_ISIZE);
    }
}
