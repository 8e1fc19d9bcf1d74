package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_io} (iomap series, 32 bytes): one mapping of a file range.
 *
 * @param offset file offset in bytes
 * @param length length in bytes
 * @param addr   device offset in bytes, {@link Iomap#NULL_ADDR} when there is none
 * @param type   an {@code Iomap.TYPE_*} value
 * @param flags  {@code Iomap.F_*} bits
 * @param dev    the backing id of the registered block device the address is on
 */
public record IomapIo(long offset, long length, long addr, int type, int flags, int dev) implements OutStruct {
    public static final int SIZE = 32;

    public static IomapIo decode(BodyReader body) throws FuseDecodeException {
        long offset = body.u64();
        long length = body.u64();
        long addr = body.u64();
        int type = body.u16();
        int flags = body.u16();
        int dev = body.u32();
        return new IomapIo(offset, length, addr, type, flags, dev);
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(offset).u64(length).u64(addr).u16(type).u16(flags).u32(dev);
    }
}
