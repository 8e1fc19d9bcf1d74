package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_statx_in} (7.39, 24 bytes). The kernel sends STATX only when a statx(2)
 * asks for more than the basic stats (the birth time).
 *
 * @param sxMask the STATX_* fields wanted
 */
public record StatxIn(int getattrFlags, long fh, int sxFlags, int sxMask) {
    public static StatxIn decode(BodyReader body) throws FuseDecodeException {
        int getattrFlags = body.u32();
        body.skip(4);
        long fh = body.u64();
        return new StatxIn(getattrFlags, fh, body.u32(), body.u32());
    }
}
