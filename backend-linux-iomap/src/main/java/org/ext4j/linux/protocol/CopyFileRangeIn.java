package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_copy_file_range_in} (7.28, 56 bytes): COPY_FILE_RANGE and (7.45)
 * COPY_FILE_RANGE_64; the source is the request's node.
 */
public record CopyFileRangeIn(long fhIn, long offIn, long nodeIdOut, long fhOut, long offOut, long len, long flags) {
    public static CopyFileRangeIn decode(BodyReader body) throws FuseDecodeException {
        return new CopyFileRangeIn(body.u64(), body.u64(), body.u64(), body.u64(), body.u64(), body.u64(), body.u64());
    }
}
