package org.ext4j.linux.protocol;

/** {@code struct fuse_flush_in} (24 bytes): sent at each close(2) of an open file. */
public record FlushIn(long fh, long lockOwner) {
    public static FlushIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        body.skip(8);
        return new FlushIn(fh, body.u64());
    }
}
