package org.ext4j.linux.protocol;

import java.nio.ByteOrder;

/** Facts shared by every wire struct. */
public final class Wire {
    /** FUSE structs travel in the host's byte order (the kernel and the server share a machine). */
    public static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** The kernel's {@code FUSE_ROOT_ID}: the node id of the mount's root directory. */
    public static final long ROOT_ID = 1;

    /** The protocol major this code speaks. */
    public static final int KERNEL_VERSION = 7;

    /** The highest protocol minor this code knows (Linux 6.18). */
    public static final int MAX_MINOR = 45;

    private Wire() {
    }

    /** Rounds up to the 8-byte alignment of variable-length records ({@code FUSE_REC_ALIGN}). */
    public static int align8(int n) {
        return (n + 7) & ~7;
    }
}
