package org.ext4j.highlevel.abi;

import jnr.ffi.Pointer;

/**
 * One integer field of a C struct: where it starts and how many bytes it has (1, 2, 4 or 8).
 * Writes truncate to the width; reads of 2- and 4-byte fields are unsigned unless said otherwise.
 */
public record Field(int offset, int width) {
    public Field {
        if (offset < 0 || (width != 1 && width != 2 && width != 4 && width != 8)) {
            throw new IllegalArgumentException("bad field: offset " + offset + ", width " + width);
        }
    }

    /** A field that ends where the next one starts. */
    public int end() {
        return offset + width;
    }

    public void put(Pointer p, long value) {
        switch (width) {
            case 1 -> p.putByte(offset, (byte) value);
            case 2 -> p.putShort(offset, (short) value);
            case 4 -> p.putInt(offset, (int) value);
            default -> p.putLongLong(offset, value);
        }
    }

    /** The field as an unsigned number (8-byte fields as they are). */
    public long get(Pointer p) {
        return switch (width) {
            case 1 -> p.getByte(offset) & 0xFFL;
            case 2 -> p.getShort(offset) & 0xFFFFL;
            case 4 -> p.getInt(offset) & 0xFFFF_FFFFL;
            default -> p.getLongLong(offset);
        };
    }

    /** The field sign-extended (off_t, time_t, long). */
    public long getSigned(Pointer p) {
        return switch (width) {
            case 1 -> p.getByte(offset);
            case 2 -> p.getShort(offset);
            case 4 -> p.getInt(offset);
            default -> p.getLongLong(offset);
        };
    }
}
