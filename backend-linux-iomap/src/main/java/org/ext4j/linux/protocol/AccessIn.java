package org.ext4j.linux.protocol;

/** {@code struct fuse_access_in} (7.5, 8 bytes): access(2) mask bits. */
public record AccessIn(int mask) {
    public static AccessIn decode(BodyReader body) throws FuseDecodeException {
        int mask = body.u32();
        body.skip(4);
        return new AccessIn(mask);
    }
}
