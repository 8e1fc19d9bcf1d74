package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_getxattr_out} (8 bytes): the size of a value or name list, the answer to a
 * GETXATTR or LISTXATTR whose buffer size was 0 (a size probe).
 */
public record GetxattrOut(int size) implements OutStruct {
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
