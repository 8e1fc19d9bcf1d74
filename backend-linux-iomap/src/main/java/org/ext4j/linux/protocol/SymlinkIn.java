package org.ext4j.linux.protocol;

/** The arguments of SYMLINK: the new name, then the link target, each NUL-terminated. */
public record SymlinkIn(byte[] name, byte[] target) {
    public static SymlinkIn decode(BodyReader body) throws FuseDecodeException {
        byte[] name = body.cString();
        return new SymlinkIn(name, body.cString());
    }
}
