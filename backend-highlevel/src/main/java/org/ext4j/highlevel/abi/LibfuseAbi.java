package org.ext4j.highlevel.abi;

/**
 * The libfuse3 structures the binding reads and writes, for one library version. Most offsets
 * have not moved since 3.0; what did: struct fuse_file_info grew from 40 to 64 bytes in 3.17
 * (backing_id, compat_flags, reserved; fh stays at 16), and struct fuse_config gained
 * no_rofd_flush right after auto_cache in 3.11 and moved it to the end in 3.17, so nullpath_ok
 * sits at 96 before 3.11 and from 3.17 on, at 104 in between. Fields past auto_cache are written
 * only through this table, never by a fixed offset.
 *
 * @param version fuse_version(): 100 * major + minor (3.2 is 302, 3.14 is 314, 3.17 is 317)
 */
public record LibfuseAbi(int version, int fileInfoSize, int configSize, int nullpathOkOffset) {
    /** fuse_file_info: int32 flags at 0, the bit-field word at 4, uint64 fh at 16 (all versions). */
    public static final Field FI_FLAGS = new Field(0, 4);
    public static final Field FI_BITS = new Field(4, 4);
    public static final Field FI_FH = new Field(16, 8);
    /** Bit numbers in {@link #FI_BITS} (little-endian bit-field order). */
    public static final int FI_DIRECT_IO = 1 << 1;
    public static final int FI_KEEP_CACHE = 1 << 2;
    public static final int FI_NONSEEKABLE = 1 << 4;
    public static final int FI_CACHE_READDIR = 1 << 6;
    public static final int FI_NOFLUSH = 1 << 7;

    /** fuse_config, the prefix that every 3.x shares (through auto_cache). */
    public static final Field CFG_ENTRY_TIMEOUT = new Field(24, 8);
    public static final Field CFG_NEGATIVE_TIMEOUT = new Field(32, 8);
    public static final Field CFG_ATTR_TIMEOUT = new Field(40, 8);
    public static final Field CFG_HARD_REMOVE = new Field(60, 4);
    public static final Field CFG_USE_INO = new Field(64, 4);
    public static final Field CFG_READDIR_INO = new Field(68, 4);
    public static final Field CFG_DIRECT_IO = new Field(72, 4);
    public static final Field CFG_KERNEL_CACHE = new Field(76, 4);
    public static final Field CFG_AUTO_CACHE = new Field(80, 4);

    /** fuse_conn_info: the 32-bit capable and want words (3.17 converts want into want_ext itself). */
    public static final Field CONN_CAPABLE = new Field(20, 4);
    public static final Field CONN_WANT = new Field(24, 4);

    /** FUSE_CAP_* bits of the 32-bit words. */
    public static final long CAP_ATOMIC_O_TRUNC = 1 << 3;
    public static final long CAP_DONT_MASK = 1 << 6;
    public static final long CAP_READDIRPLUS = 1 << 13;
    public static final long CAP_POSIX_ACL = 1 << 19;
    public static final long CAP_HANDLE_KILLPRIV = 1 << 20;
    public static final long CAP_WRITEBACK_CACHE = 1 << 16;

    /** fuse_context: uid, gid, pid after the struct fuse pointer; umask after private_data. */
    public static final Field CTX_UID = new Field(8, 4);
    public static final Field CTX_GID = new Field(12, 4);
    public static final Field CTX_PID = new Field(16, 4);
    public static final int CTX_UMASK_OFFSET = 32;

    /** The oldest library served: 3.2 has every entry point used here under a versioned name. */
    public static final int MIN_VERSION = 302;

    /** The layout for library version {@code version} (fuse_version()). */
    public static LibfuseAbi forVersion(int version) {
        int v = version;
        boolean v317 = v >= 317;
        int nullpath = v >= 311 && v < 317 ? 104 : 96;
        return new LibfuseAbi(v, v317 ? 64 : 40, v317 ? 520 : configSizeBefore317(v), nullpath);
    }

    private static int configSizeBefore317(int v) {
        // 3.15-3.16: parallel_direct_writes after nullpath_ok pushes modules and debug on (136);
        // 3.11-3.14: no_rofd_flush fits in padding (128); before 3.11 debug ends at 116 (120).
        return v >= 315 ? 136 : v >= 311 ? 128 : 120;
    }

    public Field nullpathOk() {
        return new Field(nullpathOkOffset, 4);
    }

    /** True when the library wants _fuse_new_31 with a struct libfuse_version (3.17+). */
    public boolean versionedNew() {
        return version >= 317;
    }

    public int minor() {
        return version % 100;
    }
}
