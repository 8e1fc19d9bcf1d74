package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_iomap_begin_in} (iomap series, 32 bytes): where does the range
 * [{@code pos}, {@code pos + count}) of the inode live, for the operation {@code opflags}.
 *
 * @param opflags {@code Iomap.OP_*} bits
 * @param attrIno the inode number as the kernel knows it from fuse_attr.ino
 */
public record IomapBeginIn(int opflags, long attrIno, long pos, long count) {
    public static IomapBeginIn decode(BodyReader body) throws FuseDecodeException {
        int opflags = body.u32();
        body.skip(4);
        long attrIno = body.u64();
        long pos = body.u64();
        long count = body.u64();
        return new IomapBeginIn(opflags, attrIno, pos, count);
    }

    public boolean has(int op) {
        return (opflags & op) != 0;
    }
}
