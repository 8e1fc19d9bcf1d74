package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_end_in} (iomap series, 72 bytes): the operation on a mapping that
 * asked for {@link Iomap#F_WANT_IOMAP_END} is over.
 *
 * @param written bytes the operation processed (signed on the wire)
 * @param map     the mapping acted upon
 */
public record IomapEndIn(int opflags, long attrIno, long pos, long count, long written, IomapIo map) {
    public static IomapEndIn decode(BodyReader body) throws FuseDecodeException {
        int opflags = body.u32();
        body.skip(4);
        long attrIno = body.u64();
        long pos = body.u64();
        long count = body.u64();
        long written = body.u64();
        IomapIo map = IomapIo.decode(body);
        return new IomapEndIn(opflags, attrIno, pos, count, written, map);
    }
}
