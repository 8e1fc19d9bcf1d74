package org.ext4j.linux.protocol;

/**
 * The capability bits of INIT as one 64-bit set: bits 0..31 travel in {@code flags}, bits 32..63
 * in {@code flags2} (7.36), which the kernel reads only when {@link #INIT_EXT} is set.
 */
public final class InitFlags {
    public static final long ASYNC_READ = 1L << 0;
    public static final long POSIX_LOCKS = 1L << 1;
    public static final long ATOMIC_O_TRUNC = 1L << 3;
    public static final long EXPORT_SUPPORT = 1L << 4;
    public static final long BIG_WRITES = 1L << 5;
    public static final long DONT_MASK = 1L << 6;
    public static final long FLOCK_LOCKS = 1L << 10;
    public static final long AUTO_INVAL_DATA = 1L << 12;
    public static final long DO_READDIRPLUS = 1L << 13;
    public static final long READDIRPLUS_AUTO = 1L << 14;
    public static final long ASYNC_DIO = 1L << 15;
    public static final long WRITEBACK_CACHE = 1L << 16;
    public static final long NO_OPEN_SUPPORT = 1L << 17;
    public static final long PARALLEL_DIROPS = 1L << 18;
    public static final long HANDLE_KILLPRIV = 1L << 19;
    public static final long POSIX_ACL = 1L << 20;
    public static final long ABORT_ERROR = 1L << 21;
    public static final long MAX_PAGES = 1L << 22;
    public static final long CACHE_SYMLINKS = 1L << 23;
    public static final long NO_OPENDIR_SUPPORT = 1L << 24;
    public static final long EXPLICIT_INVAL_DATA = 1L << 25;
    public static final long MAP_ALIGNMENT = 1L << 26;
    public static final long SUBMOUNTS = 1L << 27;
    public static final long HANDLE_KILLPRIV_V2 = 1L << 28;
    public static final long SETXATTR_EXT = 1L << 29;
    /** 7.36: {@code flags2} is meaningful. */
    public static final long INIT_EXT = 1L << 30;
    public static final long SECURITY_CTX = 1L << 32;
    public static final long HAS_INODE_DAX = 1L << 33;
    public static final long CREATE_SUPP_GROUP = 1L << 34;
    /** 7.39. */
    public static final long HAS_EXPIRE_ONLY = 1L << 35;
    /** 7.39. */
    public static final long DIRECT_IO_ALLOW_MMAP = 1L << 36;
    /** 7.40. */
    public static final long PASSTHROUGH = 1L << 37;
    /** 7.41. */
    public static final long NO_EXPORT_SUPPORT = 1L << 38;
    /** 7.41. */
    public static final long HAS_RESEND = 1L << 39;
    /** 7.42. */
    public static final long ALLOW_IDMAP = 1L << 40;
    /** 7.42. */
    public static final long OVER_IO_URING = 1L << 41;
    /** 7.43. */
    public static final long REQUEST_TIMEOUT = 1L << 42;
    /** The out-of-tree iomap series (bit 11 of flags2). */
    public static final long IOMAP = 1L << 43;

    private InitFlags() {
    }
}
