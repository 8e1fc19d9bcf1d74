package org.ext4j.linux.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_in_header}: what precedes every request (40 bytes). {@code total_extlen}
 * (7.37) counts 8-byte units of extension headers that follow the opcode's own arguments.
 *
 * @param opcode the raw opcode number (see {@link Opcode#of})
 */
public record InHeader(int len, int opcode, long unique, long nodeId, long uid, long gid, long pid,
        int totalExtlen) {

    public static final int SIZE = 40;
    static final int LEN = 0;
    static final int OPCODE = 4;
    static final int UNIQUE = 8;
    static final int NODEID = 16;
    static final int UID = 24;
    static final int GID = 28;
    static final int PID = 32;
    static final int TOTAL_EXTLEN = 36;

    /** Decodes the header at the start of {@code request} (absolute reads; the buffer's position is ignored). */
    public static InHeader decode(ByteBuffer request, int received) throws FuseDecodeException {
        ByteBuffer b = request.duplicate().order(Wire.ORDER);
        if (received < UNIQUE + 8) {
            throw new FuseDecodeException(FuseDecodeException.Kind.SHORT_HEADER,
                    "request of " + received + " bytes is shorter than fuse_in_header (" + SIZE + ")");
        }
        long unique = b.getLong(UNIQUE);
        if (received < SIZE) {
            throw new FuseDecodeException(FuseDecodeException.Kind.SHORT_HEADER, unique,
                    "request of " + received + " bytes is shorter than fuse_in_header (" + SIZE + ")");
        }
        long len = Integer.toUnsignedLong(b.getInt(LEN));
        if (len != received) {
            throw new FuseDecodeException(FuseDecodeException.Kind.LENGTH_MISMATCH, unique,
                    "fuse_in_header.len is " + len + " but " + received + " bytes were received");
        }
        return new InHeader((int) len, b.getInt(OPCODE), unique, b.getLong(NODEID),
                Integer.toUnsignedLong(b.getInt(UID)), Integer.toUnsignedLong(b.getInt(GID)),
                Integer.toUnsignedLong(b.getInt(PID)), Short.toUnsignedInt(b.getShort(TOTAL_EXTLEN)));
    }
}
