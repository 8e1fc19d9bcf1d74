package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_read_in} (40 bytes since 7.9): READ, READDIR and READDIRPLUS. For the
 * directory reads {@code offset} is the cookie of the last entry returned (0 = start).
 *
 * @param size bytes wanted (unsigned on the wire; the kernel bounds it by max_read / max_pages)
 */
public record ReadIn(long fh, long offset, long size, int readFlags, long lockOwner, int flags) {
    public static ReadIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        long offset = body.u64();
        long size = Integer.toUnsignedLong(body.u32());
        int readFlags = body.u32();
        long lockOwner = body.u64();
        int flags = body.u32();
        body.skip(4);
        return new ReadIn(fh, offset, size, readFlags, lockOwner, flags);
    }
}
