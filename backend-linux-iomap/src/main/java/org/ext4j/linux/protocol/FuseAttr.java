package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_attr} (88 bytes): the stat a reply carries. {@code blksize} (7.9) and
 * {@code flags} (7.23; iomap's per-inode bits live here) complete it to 8-byte alignment.
 *
 * @param rdev device number in the kernel's {@code new_encode_dev} form (see {@link #encodeDev})
 */
public record FuseAttr(long ino, long size, long blocks, long atime, long mtime, long ctime, int atimensec,
        int mtimensec, int ctimensec, int mode, long nlink, long uid, long gid, int rdev, int blksize, int flags)
        implements OutStruct {

    public static final int SIZE = 88;

    /** {@code FUSE_ATTR_SUBMOUNT}: the inode is a submount root. */
    public static final int ATTR_SUBMOUNT = 1 << 0;
    /** {@code FUSE_ATTR_DAX} (7.33). */
    public static final int ATTR_DAX = 1 << 1;
    /** iomap series: {@code FUSE_ATTR_IOMAP} turns iomap on for this inode. */
    public static final int ATTR_IOMAP = 1 << 3;

    /** The kernel's {@code new_encode_dev}: 12 bits of major, 20 of minor, as fuse_attr.rdev expects. */
    public static int encodeDev(int major, int minor) {
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
    }

    /** The same attributes with {@code bits} added to {@code flags}. */
    public FuseAttr withFlags(int bits) {
        return new FuseAttr(ino, size, blocks, atime, mtime, ctime, atimensec, mtimensec, ctimensec, mode, nlink, uid,
                gid, rdev, blksize, flags | bits);
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(ino).u64(size).u64(blocks).u64(atime).u64(mtime).u64(ctime)
                .u32(atimensec).u32(mtimensec).u32(ctimensec).u32(mode).u32(nlink).u32(uid).u32(gid)
                .u32(rdev).u32(blksize).u32(flags);
    }
}
