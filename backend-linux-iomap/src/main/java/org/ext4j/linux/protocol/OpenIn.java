package org.ext4j.linux.protocol;

/** {@code struct fuse_open_in} (8 bytes): open(2) flags, and FUSE_OPEN_* flags (7.38). */
public record OpenIn(int flags, int openFlags) {
    public static OpenIn decode(BodyReader body) throws FuseDecodeException {
        return new OpenIn(body.u32(), body.u32());
    }
}
