package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_ioend_in} (iomap series, 48 bytes): a device write the kernel did
 * has completed.
 *
 * @param flags   {@code Iomap.IOEND_*} bits
 * @param error   0 or the negated errno of the I/O
 * @param newAddr device address the data went to
 * @param written bytes written from {@code pos}
 * @param dev     the backing id written to
 */
public record IomapIoendIn(int flags, int error, long attrIno, long pos, long newAddr, long written, int dev) {
    public static IomapIoendIn decode(BodyReader body) throws FuseDecodeException {
        int flags = body.u32();
        int error = body.u32();
        long attrIno = body.u64();
        long pos = body.u64();
        long newAddr = body.u64();
        long written = body.u64();
        int dev = body.u32();
        body.skip(4);
        return new IomapIoendIn(flags, error, attrIno, pos, newAddr, written, dev);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
