package org.ext4j.core.spi;

/**
 * The image contradicts itself: a bad checksum, an out-of-range pointer, a loop. The message
 * names the structure and where it is (inode, group, block), like the kernel's ext4_error lines.
 */
public class CorruptionException extends Ext4Exception {
    public CorruptionException(String message) {
        super(Errno.EUCLEAN, message);
    }

    /**
     * Throws unless {@code ok}: the idiom for validating a value read from disk. The message is
     * built before the call, so on hot paths write {@code if (!ok) throw new CorruptionException(...)}
     * instead of concatenating a message that is almost never used.
     */
    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new CorruptionException(what);
        }
    }
}
