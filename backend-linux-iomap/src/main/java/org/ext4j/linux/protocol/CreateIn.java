package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_create_in} (16 bytes since 7.12): CREATE (followed by the name) and TMPFILE
 * (7.37, no name).
 *
 * @param flags     open(2) flags
 * @param mode      st_mode of the new file (umask already applied unless DONT_MASK)
 * @param openFlags {@code FUSE_OPEN_*} bits (7.38: KILL_SUIDGID)
 * @param name      the new name; null for TMPFILE
 */
public record CreateIn(int flags, int mode, int umask, int openFlags, byte[] name) {
    public static CreateIn decode(BodyReader body, boolean withName) throws FuseDecodeException {
        int flags = body.u32();
        int mode = body.u32();
        int umask = body.u32();
        int openFlags = body.u32();
        return new CreateIn(flags, mode, umask, openFlags, withName ? body.cString() : null);
    }
}
