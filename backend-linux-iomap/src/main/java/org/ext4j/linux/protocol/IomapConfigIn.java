package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_config_in} (iomap series, 64 bytes): the kernel's side of the
 * configuration (flags, its s_maxbytes, its page cache limit) before it asks for ours.
 */
public record IomapConfigIn(long flags, long maxBytes, int cacheMaxBytes) {
    public static IomapConfigIn decode(BodyReader body) throws FuseDecodeException {
        long flags = body.u64();
        long maxBytes = body.u64();
        int cacheMaxBytes = body.u32();
        body.skip(4 + 5 * 8);
        return new IomapConfigIn(flags, maxBytes, cacheMaxBytes);
    }
}
