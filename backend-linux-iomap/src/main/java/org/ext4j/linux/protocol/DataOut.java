package org.ext4j.linux.protocol;

/** Raw bytes as a reply payload (READ, READLINK, a getxattr value, a listxattr name list). */
public record DataOut(byte[] data, int offset, int length) implements OutStruct {

    public static DataOut of(byte[] data) {
        return new DataOut(data, 0, data.length);
    }

    @Override
    public int wireSize() {
        return length;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.bytes(data, offset, length);
    }
}
