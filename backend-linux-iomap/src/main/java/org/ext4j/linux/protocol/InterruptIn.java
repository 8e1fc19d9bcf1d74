package org.ext4j.linux.protocol;

/** {@code struct fuse_interrupt_in} (7.8, 8 bytes): the unique of the request to interrupt. */
public record InterruptIn(long unique) {
    public static InterruptIn decode(BodyReader body) throws FuseDecodeException {
        return new InterruptIn(body.u64());
    }
}
