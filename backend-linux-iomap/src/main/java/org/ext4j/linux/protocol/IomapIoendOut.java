package org.ext4j.linux.protocol;

/** {@code struct fuse_iomap_ioend_out} (iomap series, 8 bytes): the file size after the completion. */
public record IomapIoendOut(long newSize) implements OutStruct {
    public static final int SIZE = 8;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(newSize);
    }
}
