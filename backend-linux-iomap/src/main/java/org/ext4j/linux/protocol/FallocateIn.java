package org.ext4j.linux.protocol;

/** {@code struct fuse_fallocate_in} (7.19, 32 bytes): fallocate(2) through an open file. */
public record FallocateIn(long fh, long offset, long length, int mode) {
    public static FallocateIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        long offset = body.u64();
        long length = body.u64();
        int mode = body.u32();
        body.skip(4);
        return new FallocateIn(fh, offset, length, mode);
    }
}
