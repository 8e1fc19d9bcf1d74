package org.ext4j.linux.protocol;

/** {@code struct fuse_release_in} (24 bytes): RELEASE and RELEASEDIR. */
public record ReleaseIn(long fh, int flags, int releaseFlags, long lockOwner) {
    public static ReleaseIn decode(BodyReader body) throws FuseDecodeException {
        return new ReleaseIn(body.u64(), body.u32(), body.u32(), body.u64());
    }
}
