package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_ioctl_in} (7.11, 32 bytes) and the {@code in_size} bytes copied in from the
 * caller. A FUSE filesystem (not CUSE) only gets restricted ioctls: the kernel sizes the in and out
 * buffers from the command's _IOC bits and never lets the server ask for more (no RETRY).
 *
 * @param flags {@code FUSE_IOCTL_*} (COMPAT, UNRESTRICTED, 32BIT, DIR)
 * @param cmd   the ioctl request number
 */
public record IoctlIn(long fh, int flags, int cmd, long arg, int inSize, int outSize, byte[] in) {
    /** {@code FUSE_IOCTL_DIR}: the file is a directory (its fh came from OPENDIR). */
    public static final int DIR = 1 << 4;

    public static IoctlIn decode(BodyReader body) throws FuseDecodeException {
        long fh = body.u64();
        int flags = body.u32();
        int cmd = body.u32();
        long arg = body.u64();
        int inSize = body.u32();
        int outSize = body.u32();
        body.require(inSize, inSize + " bytes of ioctl input");
        return new IoctlIn(fh, flags, cmd, arg, inSize, outSize, body.bytes(inSize));
    }
}
