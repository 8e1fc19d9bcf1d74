package org.ext4j.linux.protocol;

/** {@code struct fuse_fsync_in} (16 bytes): FSYNC and FSYNCDIR. */
public record FsyncIn(long fh, int fsyncFlags) {
    /** {@code FUSE_FSYNC_FDATASYNC}: only the data (and what is needed to read it back). */
    public static final int FDATASYNC = 1 << 0;

    public static FsyncIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        int flags = body.u32();
        body.skip(4);
        return new FsyncIn(fh, flags);
    }
}
