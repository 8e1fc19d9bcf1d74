package org.ext4j.linux.protocol;

/**
 * The numbers of the out-of-tree FUSE iomap series (header minor 99, an unstable ABI): mapping
 * types and flags, the operation flags of IOMAP_BEGIN/END, the completion flags of IOMAP_IOEND,
 * the fields of IOMAP_CONFIG, and the backing type of a registered block device.
 */
public final class Iomap {
    /** {@code FUSE_IOMAP_NULL_ADDR}: a mapping without a device address (hole, delalloc, inline). */
    public static final long NULL_ADDR = -1L;

    // Mapping types (fuse_iomap_io.type): the kernel's IOMAP_* plus fuse-specific ones.
    public static final int TYPE_HOLE = 0;
    public static final int TYPE_DELALLOC = 1;
    public static final int TYPE_MAPPED = 2;
    public static final int TYPE_UNWRITTEN = 3;
    public static final int TYPE_INLINE = 4;
    /** The write goes where the read mapping says (no separate write mapping). */
    public static final int TYPE_PURE_OVERWRITE = 255;
    public static final int TYPE_RETRY_CACHE = 254;
    public static final int TYPE_NOCACHE = 253;

    // Mapping flags (fuse_iomap_io.flags).
    public static final int F_NEW = 1 << 0;
    public static final int F_DIRTY = 1 << 1;
    public static final int F_SHARED = 1 << 2;
    public static final int F_MERGED = 1 << 3;
    public static final int F_BOUNDARY = 1 << 4;
    public static final int F_ANON_WRITE = 1 << 5;
    public static final int F_ATOMIC_BIO = 1 << 6;
    /** The server wants IOMAP_END for this mapping. */
    public static final int F_WANT_IOMAP_END = 1 << 7;
    /** Only in IOMAP_END: the operation changed the file size. */
    public static final int F_SIZE_CHANGED = 1 << 8;
    /** Only in IOMAP_END: the mapping went stale during the operation. */
    public static final int F_STALE = 1 << 9;

    // Operation flags (IOMAP_BEGIN/END opflags).
    public static final int OP_WRITE = 1 << 0;
    public static final int OP_ZERO = 1 << 1;
    /** FIEMAP and SEEK_DATA/SEEK_HOLE: report, never allocate. */
    public static final int OP_REPORT = 1 << 2;
    /** A write fault on a shared mapping (page_mkwrite). */
    public static final int OP_FAULT = 1 << 3;
    public static final int OP_DIRECT = 1 << 4;
    public static final int OP_NOWAIT = 1 << 5;
    /** A direct write that may only overwrite allocated, written blocks. */
    public static final int OP_OVERWRITE_ONLY = 1 << 6;
    public static final int OP_UNSHARE = 1 << 7;
    public static final int OP_DAX = 1 << 8;
    public static final int OP_ATOMIC = 1 << 9;
    public static final int OP_DONTCACHE = 1 << 10;
    public static final int OP_SWAPFILE = 1 << 30;
    /** The kernel writes back cached pages (not the write(2) itself). */
    public static final int OP_WRITEBACK = 1 << 31;

    // IOMAP_IOEND flags.
    public static final int IOEND_SHARED = 1 << 0;
    /** Convert the written range from unwritten to written. */
    public static final int IOEND_UNWRITTEN = 1 << 1;
    public static final int IOEND_BOUNDARY = 1 << 2;
    public static final int IOEND_DIRECT = 1 << 3;
    /** The write ended past i_size: update it. */
    public static final int IOEND_APPEND = 1 << 4;
    public static final int IOEND_WRITEBACK = 1 << 5;
    public static final int IOEND_SWAPOFF = 1 << 6;

    // IOMAP_CONFIG: which reply fields are set.
    public static final long CONFIG_SID = 1L << 0;
    public static final long CONFIG_UUID = 1L << 1;
    public static final long CONFIG_BLOCKSIZE = 1L << 2;
    public static final long CONFIG_MAX_LINKS = 1L << 3;
    public static final long CONFIG_TIME = 1L << 4;
    public static final long CONFIG_MAXBYTES = 1L << 5;
    public static final long CONFIG_CACHE_MAXBYTES = 1L << 6;

    /** {@code FUSE_BACKING_TYPE_IOMAP}: the low byte of BACKING_OPEN's flags for a block device. */
    public static final int BACKING_TYPE_IOMAP = 1;

    /** {@code FUSE_ATTR_IOMAP} in fuse_attr.flags (same as {@link FuseAttr#ATTR_IOMAP}). */
    public static final int ATTR_IOMAP = FuseAttr.ATTR_IOMAP;

    private Iomap() {
    }
}
