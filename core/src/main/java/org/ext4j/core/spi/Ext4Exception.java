package org.ext4j.core.spi;

/** A failed filesystem operation: an {@link Errno} and a message that says what to do. */
public class Ext4Exception extends RuntimeException {
    private final Errno errno;

    public Ext4Exception(Errno errno, String message) {
        super(message);
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
