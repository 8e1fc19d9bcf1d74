package org.ext4j.linux.protocol;

import java.nio.ByteBuffer;

/** Sequential writes of a reply into a byte array sized in advance, or into a caller's buffer. */
public final class WireWriter {
    private final ByteBuffer out;

    public WireWriter(int capacity) {
        this.out = ByteBuffer.allocate(capacity).order(Wire.ORDER);
    }

    /** Writes into {@code target} from its index 0 (its position and limit are left alone). */
    public WireWriter(ByteBuffer target) {
        this.out = target.duplicate().clear().order(Wire.ORDER);
    }

    public WireWriter u16(int v) {
        out.putShort((short) v);
        return this;
    }

    public WireWriter u32(int v) {
        out.putInt(v);
        return this;
    }

    public WireWriter u32(long v) {
        out.putInt((int) v);
        return this;
    }

    public WireWriter u64(long v) {
        out.putLong(v);
        return this;
    }

    public WireWriter bytes(byte[] b, int off, int len) {
        out.put(b, off, len);
        return this;
    }

    public WireWriter zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.put((byte) 0);
        }
        return this;
    }

    /** Pads with zeros to the next 8-byte boundary. */
    public WireWriter align8() {
        return zeros(Wire.align8(out.position()) - out.position());
    }

    public int position() {
        return out.position();
    }

    /** Overwrites a u32 at an absolute index (the header's length, once known). */
    public void putU32At(int index, int v) {
        out.putInt(index, v);
    }

    /** The bytes written so far (the whole array when it was filled exactly); array-backed writers only. */
    public byte[] toByteArray() {
        byte[] a = out.array();
        if (out.position() == a.length) {
            return a;
        }
        byte[] copy = new byte[out.position()];
        System.arraycopy(a, 0, copy, 0, copy.length);
        return copy;
    }
}
