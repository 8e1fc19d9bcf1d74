package org.ext4j.highlevel.bind;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.OperationSlots;

/**
 * A native {@code struct fuse_operations} in one library's slot order: zeroed, with a function
 * pointer in each slot that has a callback. The table owns the Java callback objects and their native trampolines and must stay
 * reachable for as long as libfuse may call them (the mount keeps it until fuse_destroy returned):
 * a collected closure would leave libfuse jumping into freed code.
 */
final class OperationTable {
    private final Runtime runtime;
    private final OperationSlots slots;
    private final Pointer memory;
    private final List<Object> callbacks = new ArrayList<>();
    private final List<Pointer> trampolines = new ArrayList<>();
    private final Set<Operation> set = EnumSet.noneOf(Operation.class);

    OperationTable(Runtime runtime, OperationSlots slots) {
        this.runtime = runtime;
        this.slots = slots;
        this.memory = Memory.allocateDirect(runtime, slots.size(), true);
    }

    /** Puts {@code callback} (an instance of one of {@link Callbacks}' interfaces) into slot {@code op}. */
    <T> void set(Operation op, T callback) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) closureInterface(callback);
        Pointer trampoline = runtime.getClosureManager().getClosurePointer(type, callback);
        memory.putPointer(slots.offset(op), trampoline);
        callbacks.add(callback);
        trampolines.add(trampoline);
        set.add(op);
    }

    private static Class<?> closureInterface(Object callback) {
        for (Class<?> c : callback.getClass().getInterfaces()) {
            if (c.getEnclosingClass() == Callbacks.class) {
                return c;
            }
        }
        throw new IllegalArgumentException(callback.getClass() + " implements none of the callback interfaces");
    }

    Pointer memory() {
        return memory;
    }

    long size() {
        return slots.size();
    }

    /** True when this library's table has a slot for {@code op}. */
    boolean has(Operation op) {
        return slots.has(op);
    }

    /** The slots that have a callback. */
    Set<Operation> implemented() {
        return EnumSet.copyOf(set);
    }
}
