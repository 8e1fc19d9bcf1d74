package org.ext4j.linux.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte arrays built by hand, field by field in little-endian order, as the kernel header lays the
 * structs out (the golden side of the protocol tests: independent of the encoders under test).
 */
public final class HandBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static HandBytes start() {
        return new HandBytes();
    }

    public HandBytes u8(int v) {
        out.write(v & 0xff);
        return this;
    }

    public HandBytes u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    public HandBytes u32(long v) {
        return u16((int) v & 0xffff).u16((int) (v >>> 16) & 0xffff);
    }

    public HandBytes u64(long v) {
        return u32(v & 0xffffffffL).u32(v >>> 32);
    }

    public HandBytes bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    public HandBytes zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    public int size() {
        return out.size();
    }

    public byte[] toArray() {
        return out.toByteArray();
    }

    /** A whole request: fuse_in_header (len computed) followed by {@code body}. */
    public static byte[] request(int opcode, long unique, long nodeId, long uid, long gid, long pid, byte[] body) {
        return start().u32(40 + body.length).u32(opcode).u64(unique).u64(nodeId).u32(uid).u32(gid).u32(pid)
                .u16(0).u16(0).bytes(body).toArray();
    }

    public static byte[] request(int opcode, long unique, long nodeId, byte[] body) {
        return request(opcode, unique, nodeId, 0, 0, 4242, body);
    }

    /** A little-endian reader over a reply, for decoding answers in tests. */
    public static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
