package org.ext4j.linux.protocol;

/** {@code struct fuse_attr_out} (104 bytes): the answer to GETATTR and SETATTR. */
public record AttrOut(long attrValid, int attrValidNsec, FuseAttr attr) implements OutStruct {
    public static final int SIZE = 16 + FuseAttr.SIZE;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(attrValid).u32(attrValidNsec).u32(0);
        attr.writeTo(w);
    }
}
