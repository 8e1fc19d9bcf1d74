package org.ext4j.highlevel.abi;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The slot order of one library's {@code struct fuse_operations}: slot i is the function pointer
 * at offset 8 * i (LP64). A library older than the table it is handed copies only the slots it
 * knows (libfuse's fuse_fs_new warns), and one newer zeroes the slots it was not given, so the
 * table is passed with the size of the slots listed here.
 *
 * @param name  for messages ("libfuse3")
 * @param slots the operations in declaration order
 */
public record OperationSlots(String name, List<Operation> slots) {

    /**
     * libfuse 3.0-3.17 (include/fuse.h): 42 slots, lseek the last since 3.8; 3.18 appends statx
     * and later releases syncfs, which a table of these 42 leaves empty.
     */
    public static final OperationSlots LIBFUSE3 = new OperationSlots("libfuse3",
            List.of(Operation.values()).subList(0, Operation.LSEEK.ordinal() + 1));

    public OperationSlots {
        slots = List.copyOf(slots);
        if (slots.stream().distinct().count() != slots.size()) {
            throw new IllegalArgumentException("an operation listed twice in " + name);
        }
    }

    /** Offset of {@code op}'s slot. */
    public int offset(Operation op) {
        int i = slots.indexOf(op);
        if (i < 0) {
            throw new IllegalArgumentException(name + "'s fuse_operations has no " + op + " slot");
        }
        return 8 * i;
    }

    /** True when the table has a slot for {@code op}. */
    public boolean has(Operation op) {
        return slots.contains(op);
    }

    /** sizeof(struct fuse_operations) as passed to fuse_new. */
    public int size() {
        return 8 * slots.size();
    }

    /** Every slot's offset, by operation. */
    public Map<Operation, Integer> offsets() {
        Map<Operation, Integer> m = new EnumMap<>(Operation.class);
        for (Operation op : slots) {
            m.put(op, offset(op));
        }
        return m;
    }
}
