package org.ext4j.linux.protocol;

/** {@code struct fuse_forget_in} (8 bytes): the kernel drops {@code nlookup} references to the node. */
public record ForgetIn(long nlookup) {
    public static ForgetIn decode(BodyReader body) throws FuseDecodeException {
        return new ForgetIn(body.u64());
    }
}
