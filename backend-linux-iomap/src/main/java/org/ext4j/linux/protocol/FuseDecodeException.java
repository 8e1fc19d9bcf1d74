package org.ext4j.linux.protocol;

/**
 * A request that cannot be decoded, with what was wrong. When the header got as far as the
 * {@code unique} field the request can still be answered with an error, so it is kept here.
 */
public final class FuseDecodeException extends Exception {
    /** What went wrong. */
    public enum Kind {
        /** Fewer bytes than a {@code fuse_in_header} (40). */
        SHORT_HEADER,
        /** {@code fuse_in_header.len} disagrees with the number of bytes received. */
        LENGTH_MISMATCH,
        /** The opcode is not in {@link Opcode}: answered with ENOSYS. */
        UNKNOWN_OPCODE,
        /** The body is shorter than the struct the opcode needs. */
        SHORT_BODY,
        /** A field holds a value the protocol forbids (e.g. a name without its NUL). */
        MALFORMED
    }

    private final Kind kind;
    private final long unique;
    private final boolean uniqueKnown;

    public FuseDecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
        this.unique = 0;
        this.uniqueKnown = false;
    }

    public FuseDecodeException(Kind kind, long unique, String message) {
        super(message);
        this.kind = kind;
        this.unique = unique;
        this.uniqueKnown = true;
    }

    public Kind kind() {
        return kind;
    }

    /** True when the request's {@code unique} was read, so an error reply can be sent. */
    public boolean uniqueKnown() {
        return uniqueKnown;
    }

    /** The request's id; meaningful only when {@link #uniqueKnown()}. */
    public long unique() {
        return unique;
    }
}
