package org.ext4j.linux.protocol;

/** A reply payload: a wire struct (or data) written after the {@code fuse_out_header}. */
public interface OutStruct {
    /** Bytes this payload occupies on the wire. */
    int wireSize();

    void writeTo(WireWriter w);
}
