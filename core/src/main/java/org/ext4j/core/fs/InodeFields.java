package org.ext4j.core.fs;

import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.Timestamp;

// Writes attribute fields into a copy of an inode record, split into the lo/hi halves ext4 keeps.
final class InodeFields {
    /** The kernel's EXT4_TIMESTAMP_MIN: a signed 32-bit count of seconds. */
    static final long TIME_MIN = Integer.MIN_VALUE;
    /** Without the _extra words time is a signed 32-bit count of seconds. */
    static final long TIME_MAX_NO_EXTRA = Integer.MAX_VALUE;
    /** With them, two epoch bits extend it by three more 2^32-second eras (until 2446). */
    static final long TIME_MAX_EXTRA = Integer.MAX_VALUE + (3L << 32);

    private final byte[] raw;
    private final Inode view;

    InodeFields(Inode inode) {
        this.raw = inode.raw();
        this.view = new Inode(inode.ino(), raw, 0);
    }

    byte[] raw() {
        return raw;
    }

    void setMode(int mode) {
        LittleEndian.put16(raw, Inode.I_MODE, mode);
    }

    void setUid(long uid) {
        LittleEndian.put16(raw, Inode.I_UID, (int) (uid & 0xffff));
        LittleEndian.put16(raw, Inode.I_UID_HIGH, (int) (uid >>> 16 & 0xffff));
    }

    void setGid(long gid) {
        LittleEndian.put16(raw, Inode.I_GID, (int) (gid & 0xffff));
        LittleEndian.put16(raw, Inode.I_GID_HIGH, (int) (gid >>> 16 & 0xffff));
    }

    void setFlags(int flags) {
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xffffffffL);
    }

    void setAtime(Timestamp t) {
        setTime(Inode.I_ATIME, Inode.I_ATIME_EXTRA, t);
    }

    void setMtime(Timestamp t) {
        setTime(Inode.I_MTIME, Inode.I_MTIME_EXTRA, t);
    }

    void setCtime(Timestamp t) {
        setTime(Inode.I_CTIME, Inode.I_CTIME_EXTRA, t);
    }

    /**
     * The time as this inode can store it, like the kernel's timestamp_truncate: seconds clamped
     * to the representable range (nanoseconds dropped at either end), nanoseconds dropped where
     * the inode has no _extra word.
     */
    Timestamp storable(Timestamp t, int extraField) {
        boolean extra = view.fitsInExtra(extraField, 4);
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
     * Stores {@code t}: the low 32 bits of the seconds in the base field; in the _extra word the
     * era ((seconds - (s32) seconds) / 2^32, two bits) and the nanoseconds shifted left by two.
     */
    private void setTime(int field, int extraField, Timestamp t) {
        Timestamp s = storable(t, extraField);
        LittleEndian.put32(raw, field, s.seconds() & 0xffffffffL);
        if (view.fitsInExtra(extraField, 4)) {
            long era = ((s.seconds() - (int) s.seconds()) >> 32) & 3;
            LittleEndian.put32(raw, extraField, era | (long) s.nanos() << 2);
        }
    }
}
