package org.ext4j.highlevel.bind;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Calls libfuse's {@code fuse_fill_dir_t} (int filler(void *buf, const char *name, const struct
 * stat *st, off_t off, enum fuse_fill_dir_flags flags)), whose address readdir receives, through
 * jffi directly: the name and the stat go in per-thread native buffers.
 */
final class DirectoryFiller {
    /** enum fuse_fill_dir_flags: the stat is complete (READDIRPLUS may hand it to the kernel). */
    static final int FILL_DIR_PLUS = 1 << 1;

    private static final CallContext FILLER = CallContext.getCallContext(Type.SINT32,
            new Type[] {Type.POINTER, Type.POINTER, Type.POINTER, Type.SINT64, Type.SINT32},
            CallingConvention.DEFAULT, false);

    private final jnr.ffi.Runtime runtime;
    private final int statSize;
    private final ThreadLocal<Pointer> names;
    private final ThreadLocal<Pointer> stats;

    DirectoryFiller(jnr.ffi.Runtime runtime, int statSize) {
        this.runtime = runtime;
        this.statSize = statSize;
        this.names = ThreadLocal.withInitial(() -> Memory.allocateDirect(this.runtime, 256, true));
        this.stats = ThreadLocal.withInitial(() -> Memory.allocateDirect(this.runtime, this.statSize, true));
    }

    /** This thread's stat buffer, to be filled before {@link #fill}. */
    Pointer stat() {
        return stats.get();
    }

    /**
     * Adds one entry; false when the buffer is full (the entry was not added and the listing
     * resumes at it next time).
     */
    boolean fill(Pointer filler, Pointer buf, byte[] name, long nextOffset, int flags) {
        Pointer n = names.get();
        if (n.size() <= name.length) {
            // A host's spelling of a name can be longer than ext4's 255 bytes (WinFsp shows each
            // byte that is not UTF-8 as a three-byte private-use character).
            n = Memory.allocateDirect(runtime, name.length + 1, true);
            names.set(n);
        }
        n.put(0, name, 0, name.length);
        n.putByte(name.length, (byte) 0);
        long r = Invoker.getInstance().invokeN5(FILLER, filler.address(), buf.address(), n.address(),
                stats.get().address(), nextOffset, flags);
        return (int) r == 0;
    }
}
