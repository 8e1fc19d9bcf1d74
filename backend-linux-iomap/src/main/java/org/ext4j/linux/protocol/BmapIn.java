package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_bmap_in} (16 bytes): FIBMAP on a fuseblk mount. {@code block} counts
 * {@code blocksize}-byte blocks of the file (the mount's blksize).
 */
public record BmapIn(long block, int blocksize) {
    public static BmapIn decode(BodyReader body) throws FuseDecodeException {
        long block = body.u64();
        int blocksize = body.u32();
        body.skip(4);
        return new BmapIn(block, blocksize);
    }
}
