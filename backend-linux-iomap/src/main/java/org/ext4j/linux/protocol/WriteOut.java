package org.ext4j.linux.protocol;

/** {@code struct fuse_write_out} (8 bytes): bytes written (WRITE, COPY_FILE_RANGE). */
public record WriteOut(int size) implements OutStruct {
    public static final int SIZE = 8;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u32(size).u32(0);
    }
}
