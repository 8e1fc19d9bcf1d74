package org.ext4j.linux.protocol;

/** {@code struct fuse_link_in} (8 bytes): the node to link, then the new name (in the request's node). */
public record LinkIn(long oldNodeId, byte[] newName) {
    public static LinkIn decode(BodyReader body) throws FuseDecodeException {
        long old = body.u64();
        return new LinkIn(old, body.cString());
    }
}
