package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_mknod_in} (16 bytes since 7.12) and the name that follows.
 *
 * @param mode  full st_mode (type and permission bits; the umask already applied unless DONT_MASK)
 * @param rdev  device number in the kernel's {@code new_encode_dev} form
 * @param umask the caller's umask (7.12)
 */
public record MknodIn(int mode, int rdev, int umask, byte[] name) {
    public static MknodIn decode(BodyReader body) throws FuseDecodeException {
        int mode = body.u32();
        int rdev = body.u32();
        int umask = body.u32();
        body.skip(4);
        return new MknodIn(mode, rdev, umask, body.cString());
    }

    /** The major number of {@link #rdev} ({@code new_decode_dev}: 12 bits at bit 8). */
    public int rdevMajor() {
        return (rdev & 0xfff00) >>> 8;
    }

    /** The minor number of {@link #rdev}: the low byte and 12 bits from bit 20. */
    public int rdevMinor() {
        return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
    }
}
