package org.ext4j.highlevel.abi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A C struct laid out by the System V rules the LP64 ABIs share (each member at the next
 * multiple of its alignment, the size rounded up to the largest alignment), from member
 * declarations copied in header order. Used for the targets no compiler here can build for:
 * the golden offsets are computed from the headers' declarations, not typed in.
 */
final class CStruct {
    private final Map<String, Field> members = new LinkedHashMap<>();
    private int offset;
    private int alignment = 1;

    /** A member of {@code size} bytes aligned to {@code align}. */
    CStruct member(String name, int size, int align) {
        offset = (offset + align - 1) / align * align;
        members.put(name, new Field(offset, Math.min(size, 8)));
        offset += size;
        alignment = Math.max(alignment, align);
        return this;
    }

    /** An integer member of {@code size} bytes (its own alignment). */
    CStruct integer(String name, int size) {
        return member(name, size, size);
    }

    /** A struct timespec (two 8-byte members). */
    CStruct timespec(String name) {
        return member(name, 16, 8);
    }

    Field field(String name) {
        Field f = members.get(name);
        if (f == null) {
            throw new AssertionError("no member " + name);
        }
        return f;
    }

    int offset(String name) {
        return field(name).offset();
    }

    int size() {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
