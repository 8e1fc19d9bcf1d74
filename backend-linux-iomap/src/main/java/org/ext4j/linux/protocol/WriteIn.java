package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_write_in} (40 bytes since 7.9) and the data that follows it.
 *
 * @param writeFlags {@code FUSE_WRITE_*}: CACHE, LOCKOWNER, KILL_SUIDGID
 * @param data       the bytes to write ({@code size} of them, checked against the body)
 */
public record WriteIn(long fh, long offset, int writeFlags, long lockOwner, int flags, byte[] data) {
    /** {@code FUSE_WRITE_CACHE}: a delayed write from the page cache (writeback cache only). */
    public static final int WRITE_CACHE = 1 << 0;
    /** {@code FUSE_WRITE_KILL_SUIDGID} (7.31): the writer lacks CAP_FSETID; drop setuid/setgid. */
    public static final int WRITE_KILL_SUIDGID = 1 << 2;

    public static WriteIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        long offset = body.u64();
        long size = Integer.toUnsignedLong(body.u32());
        int writeFlags = body.u32();
        long lockOwner = body.u64();
        int flags = body.u32();
        body.skip(4);
        body.require((int) Math.min(Integer.MAX_VALUE, size), size + " bytes of WRITE data");
        return new WriteIn(fh, offset, writeFlags, lockOwner, flags, body.bytes((int) size));
    }
}
