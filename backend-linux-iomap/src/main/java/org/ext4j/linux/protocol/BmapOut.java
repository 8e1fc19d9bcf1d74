package org.ext4j.linux.protocol;

/** {@code struct fuse_bmap_out} (8 bytes): the device block, in the request's block size; 0 for none. */
public record BmapOut(long block) implements OutStruct {
    public static final int SIZE = 8;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(block);
    }
}
