package org.ext4j.linux.protocol;

import java.util.function.IntFunction;

/**
 * {@code struct fuse_write_in} (40 bytes since 7.9) and the data that follows it.
 *
 * @param writeFlags {@code FUSE_WRITE_*}: CACHE, LOCKOWNER, KILL_SUIDGID
 * @param data       holds the bytes to write from index 0 (may be longer: a reused buffer)
 * @param length     how many bytes to write ({@code size}, checked against the body)
 */
public record WriteIn(long fh, long offset, int writeFlags, long lockOwner, int flags, byte[] data, int length) {
    /** {@code FUSE_WRITE_CACHE}: a delayed write from the page cache (writeback cache only). */
    public static final int WRITE_CACHE = 1 << 0;
    /** {@code FUSE_WRITE_KILL_SUIDGID} (7.31): the writer lacks CAP_FSETID; drop setuid/setgid. */
    public static final int WRITE_KILL_SUIDGID = 1 << 2;

    /** Decodes into a new array of exactly the data's size. */
    public static WriteIn decode(BodyReader body) throws FuseDecodeException {
        return decode(body, byte[]::new);
    }

    /**
     * Decodes with the data copied into {@code buffers.apply(size)}, an array of at least that
     * many bytes (a reader thread's scratch array, so that writes make no garbage).
     */
    public static WriteIn decode(BodyReader body, IntFunction<byte[]> buffers) throws FuseDecodeException {
        long fh = body.u64();
        long offset = body.u64();
        long size = Integer.toUnsignedLong(body.u32());
        int writeFlags = body.u32();
        long lockOwner = body.u64();
        int flags = body.u32();
        body.skip(4);
        body.require((int) Math.min(Integer.MAX_VALUE, size), size + " bytes of WRITE data");
        byte[] data = buffers.apply((int) size);
        body.bytesInto(data, (int) size);
        return new WriteIn(fh, offset, writeFlags, lockOwner, flags, data, (int) size);
    }
}
