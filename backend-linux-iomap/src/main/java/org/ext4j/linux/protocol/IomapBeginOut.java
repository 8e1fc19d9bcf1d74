package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_begin_out} (iomap series, 64 bytes): the mapping to read the existing
 * data from, then the one new data is written to.
 */
public record IomapBeginOut(IomapIo read, IomapIo write) implements OutStruct {
    public static final int SIZE = 2 * IomapIo.SIZE;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        read.writeTo(w);
        write.writeTo(w);
    }
}
