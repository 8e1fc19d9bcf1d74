package org.ext4j.linux.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Sequential reads of a request body; running out of bytes is a {@link FuseDecodeException}
 * naming the opcode and the offset, never an index exception.
 */
public final class BodyReader {
    private final ByteBuffer body;
    private final Opcode opcode;
    private final long unique;

    BodyReader(ByteBuffer body, Opcode opcode, long unique) {
        this.body = body;
        this.opcode = opcode;
        this.unique = unique;
    }

    /** Bytes not read yet. */
    public int remaining() {
        return body.remaining();
    }

    /** Bytes in the whole body. */
    public int length() {
        return body.limit();
    }

    public int u32() throws FuseDecodeException {
        need(4, "u32");
        return body.getInt();
    }

    public long u64() throws FuseDecodeException {
        need(8, "u64");
        return body.getLong();
    }

    public int u16() throws FuseDecodeException {
        need(2, "u16");
        return Short.toUnsignedInt(body.getShort());
    }

    public void skip(int n) throws FuseDecodeException {
        need(n, n + " bytes of padding");
        body.position(body.position() + n);
    }

    /** Takes exactly {@code n} bytes. */
    public byte[] bytes(int n) throws FuseDecodeException {
        need(n, n + " bytes");
        byte[] b = new byte[n];
        body.get(b);
        return b;
    }

    /** Copies exactly {@code n} bytes into {@code dst} from index 0. */
    public void bytesInto(byte[] dst, int n) throws FuseDecodeException {
        need(n, n + " bytes");
        body.get(dst, 0, n);
    }

    /** A NUL-terminated string (a file or attribute name), without its NUL. */
    public byte[] cString() throws FuseDecodeException {
        int start = body.position();
        for (int i = start; i < body.limit(); i++) {
            if (body.get(i) == 0) {
                byte[] s = new byte[i - start];
                body.get(s);
                body.get();
                return s;
            }
        }
        throw new FuseDecodeException(FuseDecodeException.Kind.MALFORMED, unique,
                opcode + ": name at body offset " + start + " has no terminating NUL");
    }

    /** Requires that the rest of the body is at least {@code n} bytes, without consuming it. */
    public void require(int n, String what) throws FuseDecodeException {
        need(n, what);
    }

    private void need(int n, String what) throws FuseDecodeException {
        if (n < 0 || body.remaining() < n) {
            throw new FuseDecodeException(FuseDecodeException.Kind.SHORT_BODY, unique,
                    opcode + ": body of " + body.limit() + " bytes ends at offset " + body.position()
                            + " where " + what + " was expected");
        }
    }

    @Override
    public String toString() {
        byte[] copy = new byte[body.limit()];
        body.duplicate().position(0).get(copy);
        return opcode + " body " + Arrays.toString(copy);
    }
}
