package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_init_in}: the kernel's offer. Before 7.36 it is 16 bytes (major, minor,
 * max_readahead, flags); from 7.36 it is 64 bytes with {@code flags2} and reserved words.
 *
 * @param flags the 64-bit capability set ({@code flags2} folded in only when INIT_EXT is offered)
 */
public record InitIn(int major, int minor, int maxReadahead, long flags) {

    public static InitIn decode(BodyReader body) throws FuseDecodeException {
        int major = body.u32();
        int minor = body.u32();
        int maxReadahead = body.u32();
        long flags = Integer.toUnsignedLong(body.u32());
        if ((flags & InitFlags.INIT_EXT) != 0 && body.remaining() >= 4) {
            flags |= Integer.toUnsignedLong(body.u32()) << 32;
        }
        return new InitIn(major, minor, maxReadahead, flags);
    }
}
