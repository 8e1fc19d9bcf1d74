package org.ext4j.linux.protocol;

import java.nio.charset.StandardCharsets;

/**
 * {@code struct fuse_setxattr_in}, then the attribute name and its value. The struct is 8 bytes
 * (size, flags) unless the server granted {@code FUSE_SETXATTR_EXT} (7.33): then 16 bytes with
 * {@code setxattr_flags} and padding.
 *
 * @param flags         XATTR_CREATE / XATTR_REPLACE
 * @param setxattrFlags {@code FUSE_SETXATTR_*} (ACL_KILL_SGID); 0 with the short layout
 */
public record SetxattrIn(int flags, int setxattrFlags, String name, byte[] value) {
    /** {@code FUSE_SETXATTR_ACL_KILL_SGID}: setting an access ACL also clears setgid. */
    public static final int ACL_KILL_SGID = 1 << 0;

    public static SetxattrIn decode(BodyReader body, boolean extended) throws FuseDecodeException {
        long size = Integer.toUnsignedLong(body.u32());
        int flags = body.u32();
        int setxattrFlags = 0;
        if (extended) {
            setxattrFlags = body.u32();
            body.skip(4);
        }
        String name = new String(body.cString(), StandardCharsets.UTF_8);
        body.require((int) Math.min(Integer.MAX_VALUE, size), size + " bytes of xattr value");
        return new SetxattrIn(flags, setxattrFlags, name, body.bytes((int) size));
    }
}
