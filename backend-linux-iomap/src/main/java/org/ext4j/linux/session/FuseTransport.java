package org.ext4j.linux.session;

import java.util.Locale;

/**
 * How requests travel between the kernel and the server: read and write on /dev/fuse, or FUSE
 * over io_uring (Linux 6.14+, with the fuse module's {@code enable_uring} set). /dev/fuse is always
 * open too: INIT, FORGET, INTERRUPT and notifications use it whatever the choice.
 */
public enum FuseTransport {
    /** io_uring when the kernel offers it at INIT, otherwise /dev/fuse. */
    AUTO,
    /** /dev/fuse only ({@code io_uring=off}). */
    DEV_FUSE,
    /** io_uring, and the mount fails when the kernel does not take it ({@code io_uring=on}). */
    IO_URING;

    /** The system property that picks the transport when no mount option does. */
    public static final String PROPERTY = "ext4j.io_uring";

    /** The value of an {@code io_uring=} option or of {@link #PROPERTY}: auto, off or on. */
    public static FuseTransport parse(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "auto":
                return AUTO;
            case "off":
                return DEV_FUSE;
            case "on":
                return IO_URING;
            default:
                throw new IllegalArgumentException("io_uring takes auto, off or on, not '" + value + "'");
        }
    }

    /** What {@link #PROPERTY} says, AUTO when it is not set. */
    public static FuseTransport fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isEmpty() ? AUTO : parse(value);
    }
}
