package org.ext4j.linux.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_out_header} (16 bytes) and the encoding of whole replies: header and payload
 * in one array, because the kernel takes a reply from exactly one write(2).
 */
public final class OutHeader {
    public static final int SIZE = 16;

    private OutHeader() {
    }

    /** A successful reply carrying {@code payload} (null for an empty one). */
    public static byte[] ok(long unique, OutStruct payload) {
        WireWriter w = new WireWriter(SIZE + (payload == null ? 0 : payload.wireSize()));
        ok(w, unique, payload);
        return w.toByteArray();
    }

    /**
     * Writes a successful reply into {@code out} from its index 0 (a reader thread's own buffer,
     * so that a large READ is copied once on its way to the device).
     *
     * @return the reply's length
     */
    public static int ok(ByteBuffer out, long unique, OutStruct payload) {
        return ok(new WireWriter(out), unique, payload);
    }

    private static int ok(WireWriter w, long unique, OutStruct payload) {
        int size = SIZE + (payload == null ? 0 : payload.wireSize());
        w.u32(size).u32(0).u64(unique);
        if (payload != null) {
            payload.writeTo(w);
        }
        if (w.position() != size) {
            throw new IllegalStateException(payload.getClass().getSimpleName() + " wrote " + (w.position() - SIZE)
                    + " bytes but declared " + payload.wireSize());
        }
        return size;
    }

    /**
     * A notification (a message the kernel did not ask for): unique 0, and in the error field the
     * positive notification code, which is how the kernel tells it from a reply.
     */
    public static byte[] notification(int code, OutStruct payload) {
        if (code <= 0) {
            throw new IllegalArgumentException("notification codes are positive: " + code);
        }
        int size = SIZE + payload.wireSize();
        WireWriter w = new WireWriter(size).u32(size).u32(code).u64(0);
        payload.writeTo(w);
        return w.toByteArray();
    }

    /** An error reply: the header alone, with the negated errno. */
    public static byte[] error(long unique, int errno) {
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive: " + errno);
        }
        return new WireWriter(SIZE).u32(SIZE).u32(-errno).u64(unique).toByteArray();
    }
}
