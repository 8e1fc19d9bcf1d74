package org.ext4j.linux.protocol;

/** {@code struct fuse_lseek_out} (7.24, 8 bytes): the offset SEEK_DATA or SEEK_HOLE found. */
public record LseekOut(long offset) implements OutStruct {
    public static final int SIZE = 8;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(offset);
    }
}
