package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_lseek_in} (7.24, 24 bytes). Only SEEK_DATA and SEEK_HOLE reach the server;
 * the kernel resolves SEEK_SET/CUR/END itself.
 */
public record LseekIn(long fh, long offset, int whence) {
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    public static LseekIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        long offset = body.u64();
        int whence = body.u32();
        body.skip(4);
        return new LseekIn(fh, offset, whence);
    }
}
