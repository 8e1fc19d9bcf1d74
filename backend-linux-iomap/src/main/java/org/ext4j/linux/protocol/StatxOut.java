package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_statx_out} (7.39, 288 bytes): the cache timeout, then {@code struct fuse_statx}
 * (256 bytes: mask, blksize, attributes, nlink, uid, gid, mode, ino, size, blocks, attributes_mask,
 * four {@code fuse_sx_time} (atime, btime, ctime, mtime; 16 bytes each), rdev and dev numbers, spare).
 *
 * @param mask       the STATX_* fields filled in
 * @param attributes STATX_ATTR_* bits, meaningful where {@code attributesMask} has them
 * @param times      atime, btime, ctime, mtime as {seconds, nanoseconds} pairs, in that order
 */
public record StatxOut(long attrValid, int attrValidNsec, int mask, int blksize, long attributes, long nlink,
        long uid, long gid, int mode, long ino, long size, long blocks, long attributesMask, long[] times,
        int rdevMajor, int rdevMinor) implements OutStruct {

    public static final int SIZE = 288;

    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int STATX_BTIME = 0x800;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(attrValid).u32(attrValidNsec).u32(0).zeros(16);
        w.u32(mask).u32(blksize).u64(attributes).u32(nlink).u32(uid).u32(gid).u16(mode).u16(0)
                .u64(ino).u64(size).u64(blocks).u64(attributesMask);
        for (int i = 0; i < 4; i++) {
            w.u64(times[2 * i]).u32((int) times[2 * i + 1]).u32(0);
        }
        // dev_major/dev_minor are the kernel's to fill in: it reports its own device of the mount.
        w.u32(rdevMajor).u32(rdevMinor).u32(0).u32(0).zeros(14 * 8);
    }
}
