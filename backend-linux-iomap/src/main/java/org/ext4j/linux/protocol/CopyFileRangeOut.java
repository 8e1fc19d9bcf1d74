package org.ext4j.linux.protocol;

/** {@code struct fuse_copy_file_range_out} (7.45, 8 bytes): the answer to COPY_FILE_RANGE_64. */
public record CopyFileRangeOut(long bytesCopied) implements OutStruct {
    public static final int SIZE = 8;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(bytesCopied);
    }
}
