package org.ext4j.linux.protocol;

/** {@code struct fuse_statfs_out} = {@code struct fuse_kstatfs} (80 bytes): the answer to STATFS. */
public record StatfsOut(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen,
        int frsize) implements OutStruct {

    public static final int SIZE = 80;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(blocks).u64(bfree).u64(bavail).u64(files).u64(ffree).u32(bsize).u32(namelen).u32(frsize)
                .u32(0).zeros(24);
    }
}
