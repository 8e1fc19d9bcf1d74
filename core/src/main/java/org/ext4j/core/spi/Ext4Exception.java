package org.ext4j.core.spi;

/**
 * A failed filesystem operation: an {@link Errno} and a message that says what to do. An errno
 * that is an ordinary answer ({@link Errno#isAnswer()}: ENOENT, EEXIST, ENODATA...) comes without
 * a stack trace: it is not a fault to debug, and filling the trace cost more than the lookup
 * that raised it.
 */
public class Ext4Exception extends RuntimeException {
    private final Errno errno;

    public Ext4Exception(Errno errno, String message) {
        super(message, null, true, !errno.isAnswer());
        this.errno = errno;
    }

    public Ext4Exception(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
