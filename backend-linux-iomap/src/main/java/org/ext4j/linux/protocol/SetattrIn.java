package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_setattr_in} (88 bytes): chmod, chown, truncate and utimensat in one request;
 * {@code valid} says which fields carry a change.
 *
 * @param valid the {@code FATTR_*} bits of the fields that are set
 * @param fh    the open file the change goes through (ftruncate), valid with {@link #FH}
 */
public record SetattrIn(int valid, long fh, long size, long lockOwner, long atime, long mtime, long ctime,
        int atimensec, int mtimensec, int ctimensec, int mode, long uid, long gid) {
    public static final int SIZE = 88;

    public static final int MODE = 1 << 0;
    public static final int UID = 1 << 1;
    public static final int GID = 1 << 2;
    public static final int SIZE_VALID = 1 << 3;
    public static final int ATIME = 1 << 4;
    public static final int MTIME = 1 << 5;
    public static final int FH = 1 << 6;
    /** {@code FATTR_ATIME_NOW} (7.9): atime becomes the server's current time. */
    public static final int ATIME_NOW = 1 << 7;
    /** {@code FATTR_MTIME_NOW} (7.9). */
    public static final int MTIME_NOW = 1 << 8;
    public static final int LOCKOWNER = 1 << 9;
    /** {@code FATTR_CTIME} (7.23): only sent with the writeback cache, which ext4j does not use. */
    public static final int CTIME = 1 << 10;
    /** {@code FATTR_KILL_SUIDGID} (7.33, killpriv v2): drop setuid/setgid as the change is made. */
    public static final int KILL_SUIDGID = 1 << 11;

    public static SetattrIn decode(BodyReader body) throws FuseDecodeException {
        int valid = body.u32();
        body.skip(4);
        long fh = body.u64();
        long size = body.u64();
        long lockOwner = body.u64();
        long atime = body.u64();
        long mtime = body.u64();
        long ctime = body.u64();
        int atimensec = body.u32();
        int mtimensec = body.u32();
        int ctimensec = body.u32();
        int mode = body.u32();
        body.skip(4);
        long uid = Integer.toUnsignedLong(body.u32());
        long gid = Integer.toUnsignedLong(body.u32());
        body.skip(4);
        return new SetattrIn(valid, fh, size, lockOwner, atime, mtime, ctime, atimensec, mtimensec, ctimensec, mode,
                uid, gid);
    }

    /** True when every bit of {@code bits} is set in {@code valid}. */
    public boolean has(int bits) {
        return (valid & bits) == bits;
    }
}
