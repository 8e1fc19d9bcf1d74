package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_open_out} (16 bytes): the answer to OPEN and OPENDIR. The last field was
 * padding until 7.40 made it {@code backing_id} (passthrough); zero means none.
 */
public record OpenOut(long fh, int openFlags, int backingId) implements OutStruct {
    public static final int SIZE = 16;

    /** {@code FOPEN_DIRECT_IO}: bypass the page cache for this open file. */
    public static final int FOPEN_DIRECT_IO = 1 << 0;
    /** {@code FOPEN_KEEP_CACHE}: the file did not change behind the kernel's back; keep its pages. */
    public static final int FOPEN_KEEP_CACHE = 1 << 1;
    /** {@code FOPEN_CACHE_DIR} (7.28): the kernel may cache this directory's listing. */
    public static final int FOPEN_CACHE_DIR = 1 << 3;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(fh).u32(openFlags).u32(backingId);
    }
}
