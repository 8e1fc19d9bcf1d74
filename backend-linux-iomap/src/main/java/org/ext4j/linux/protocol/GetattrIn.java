package org.ext4j.linux.protocol;

/** {@code struct fuse_getattr_in} (7.9, 16 bytes): {@code fh} is valid when flags has GETATTR_FH. */
public record GetattrIn(int getattrFlags, long fh) {
    public static final int GETATTR_FH = 1 << 0;

    public static GetattrIn decode(BodyReader body) throws FuseDecodeException {
        int flags = body.u32();
        body.skip(4);
        return new GetattrIn(flags, body.u64());
    }
}
