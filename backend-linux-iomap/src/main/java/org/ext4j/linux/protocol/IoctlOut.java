package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_ioctl_out} (16 bytes) followed by the data copied out to the caller: exactly
 * the {@code out_size} the request announced (the kernel takes no other length for a restricted ioctl).
 */
public record IoctlOut(int result, byte[] out) implements OutStruct {
    public static final int SIZE = 16;

    @Override
    public int wireSize() {
        return SIZE + out.length;
    }

    @Override
    public void writeTo(WireWriter w) {
        // flags 0 (never RETRY), in_iovs and out_iovs 0.
        w.u32(result).u32(0).u32(0).u32(0).bytes(out, 0, out.length);
    }
}
