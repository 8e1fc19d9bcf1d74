package org.ext4j.linux.protocol;

import java.nio.charset.StandardCharsets;

/**
 * {@code struct fuse_getxattr_in} (8 bytes) and, for GETXATTR, the attribute name that follows.
 * Also the argument of LISTXATTR (no name). {@code size} 0 asks for the size only.
 *
 * @param name the attribute name ("user.x"), or null for LISTXATTR
 */
public record GetxattrIn(long size, String name) {
    public static GetxattrIn decode(BodyReader body, boolean withName) throws FuseDecodeException {
        long size = Integer.toUnsignedLong(body.u32());
        body.skip(4);
        String name = withName ? new String(body.cString(), StandardCharsets.UTF_8) : null;
        return new GetxattrIn(size, name);
    }
}
