package org.ext4j.linux.protocol;

import java.nio.ByteBuffer;

/**
 * One decoded request: its header, its opcode, and a reader over the opcode's arguments (the body
 * without any trailing extension headers).
 */
public record Request(InHeader header, Opcode opcode, BodyReader body) {

    /**
     * Splits {@code received} bytes of {@code buffer} (from index 0) into header and body.
     *
     * @throws FuseDecodeException SHORT_HEADER, LENGTH_MISMATCH, UNKNOWN_OPCODE, or SHORT_BODY when
     *                             {@code total_extlen} claims more bytes than there are
     */
    public static Request decode(ByteBuffer buffer, int received) throws FuseDecodeException {
        InHeader h = InHeader.decode(buffer, received);
        Opcode op = Opcode.of(h.opcode()).orElseThrow(() -> new FuseDecodeException(
                FuseDecodeException.Kind.UNKNOWN_OPCODE, h.unique(), "unknown opcode " + h.opcode()));
        int extensions = h.totalExtlen() * 8;
        int bodyLength = received - InHeader.SIZE - extensions;
        if (bodyLength < 0) {
            throw new FuseDecodeException(FuseDecodeException.Kind.SHORT_BODY, h.unique(),
                    op + ": total_extlen claims " + extensions + " bytes of extensions but the body has "
                            + (received - InHeader.SIZE));
        }
        ByteBuffer body = buffer.duplicate().order(Wire.ORDER);
        body.limit(InHeader.SIZE + bodyLength).position(InHeader.SIZE);
        return new Request(h, op, new BodyReader(body.slice().order(Wire.ORDER), op, h.unique()));
    }

    /** Convenience for tests and byte-array callers. */
    public static Request decode(byte[] request) throws FuseDecodeException {
        return decode(ByteBuffer.wrap(request), request.length);
    }
}
