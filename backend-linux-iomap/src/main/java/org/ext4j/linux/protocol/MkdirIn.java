package org.ext4j.linux.protocol;

/** {@code struct fuse_mkdir_in} (8 bytes) and the name that follows; {@code umask} since 7.12. */
public record MkdirIn(int mode, int umask, byte[] name) {
    public static MkdirIn decode(BodyReader body) throws FuseDecodeException {
        int mode = body.u32();
        int umask = body.u32();
        return new MkdirIn(mode, umask, body.cString());
    }
}
