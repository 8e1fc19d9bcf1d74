package org.ext4j.highlevel.bind;

import static org.ext4j.highlevel.bind.NativeStrings.bytes;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jnr.ffi.Pointer;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.path.PathOperations;

/**
 * The extended attribute callbacks (setxattr, getxattr, listxattr, removexattr): names arrive as
 * UTF-8 text, values and name lists go back by the xattr size convention, and macFUSE's
 * resource-fork positions are served on the whole value.
 */
final class XattrCallbacks {
    private final PathOperations ops;
    private final Platform platform;
    private final RequestContext context;
    private final CallbackErrors errors;

    XattrCallbacks(PathOperations ops, Platform platform, RequestContext context, CallbackErrors errors) {
        this.ops = ops;
        this.platform = platform;
        this.context = context;
        this.errors = errors;
    }

    /**
     * setxattr; {@code position} is macFUSE's offset into a resource fork (0 in every other
     * dialect): a write at an offset overwrites the value from there, keeping the bytes before and
     * after it (zeros where the value was shorter).
     */
    int setxattrAt(Pointer path, Pointer name, Pointer value, long size, int flags, int position) {
        try {
            if (platform.xattrFlags().hasUnknown(flags)) {
                return -errors.errno(Errno.EINVAL);
            }
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            int coreFlags = platform.xattrFlags().toCore(flags);
            if (position != 0) {
                long end = Integer.toUnsignedLong(position) + v.length;
                if (end > Integer.MAX_VALUE) {
                    return -errors.errno(Errno.EFBIG);
                }
                byte[] before = existingValue(path, text(name));
                byte[] whole = Arrays.copyOf(before, (int) Math.max(before.length, end));
                System.arraycopy(v, 0, whole, position, v.length);
                v = whole;
            }
            ops.setxattr(context.caller(), bytes(path), text(name), v, coreFlags);
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.SETXATTR, t);
        }
    }

    /** The attribute's value, or nothing when it has none (the start of a resource fork written in pieces). */
    private byte[] existingValue(Pointer path, String name) {
        try {
            return ops.getxattr(context.caller(), bytes(path), name);
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.ENODATA) {
                return new byte[0];
            }
            throw e;
        }
    }

    /** getxattr; a non-zero {@code position} (macFUSE) reads the value from that offset. */
    int getxattrAt(Pointer path, Pointer name, Pointer value, long size, int position) {
        try {
            byte[] v = ops.getxattr(context.caller(), bytes(path), text(name));
            long from = Integer.toUnsignedLong(position);
            if (from != 0) {
                v = from >= v.length ? new byte[0] : Arrays.copyOfRange(v, (int) from, v.length);
            }
            return sized(v, value, size);
        } catch (Throwable t) {
            return errors.fail(Operation.GETXATTR, t);
        }
    }

    int listxattr(Pointer path, Pointer list, long size) {
        try {
            ByteArrayOutputStream names = new ByteArrayOutputStream();
            for (String name : ops.listxattr(context.caller(), bytes(path))) {
                byte[] b = name.getBytes(StandardCharsets.UTF_8);
                names.write(b, 0, b.length);
                names.write(0);
            }
            return sized(names.toByteArray(), list, size);
        } catch (Throwable t) {
            return errors.fail(Operation.LISTXATTR, t);
        }
    }

    int removexattr(Pointer path, Pointer name) {
        return errors.run(Operation.REMOVEXATTR, () -> ops.removexattr(context.caller(), bytes(path), text(name)));
    }

    /** The xattr convention: size 0 asks for the length; a smaller buffer is ERANGE. */
    private int sized(byte[] value, Pointer buf, long size) {
        if (size == 0) {
            return value.length;
        }
        if (value.length > size) {
            return -errors.errno(Errno.ERANGE);
        }
        buf.put(0, value, 0, value.length);
        return value.length;
    }

    private static String text(Pointer p) {
        return new String(bytes(p), StandardCharsets.UTF_8);
    }
}
