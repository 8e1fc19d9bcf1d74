package org.ext4j.highlevel.bind;

import jnr.ffi.Pointer;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The NUL-terminated strings a callback receives as {@code const char *}, read as the bytes they
 * are: paths and names are not decoded, since ext4 stores names as bytes.
 */
final class NativeStrings {
    private NativeStrings() {
    }

    /** The NUL-terminated bytes at {@code p}. */
    static byte[] bytes(Pointer p) {
        if (p == null || p.address() == 0) {
            throw new Ext4Exception(Errno.EINVAL, "no path given");
        }
        int len = p.indexOf(0, (byte) 0);
        byte[] b = new byte[len];
        p.get(0, b, 0, len);
        return b;
    }

    /** The path, or null where libfuse passes none (a call with a file handle). */
    static byte[] bytesOrNull(Pointer p) {
        return p == null || p.address() == 0 ? null : bytes(p);
    }
}
