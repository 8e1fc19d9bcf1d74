package org.ext4j.core.disk;

import java.util.ArrayList;
import java.util.List;

/**
 * Feature flags of the ext4 superblock (s_feature_compat / _incompat / _ro_compat), their
 * e2fsprogs names, and which of them this implementation understands.
 */
public final class Features {
    private Features() {
    }

    public static final int COMPAT_DIR_PREALLOC = 0x1;
    public static final int COMPAT_IMAGIC_INODES = 0x2;
    public static final int COMPAT_HAS_JOURNAL = 0x4;
    public static final int COMPAT_EXT_ATTR = 0x8;
    public static final int COMPAT_RESIZE_INODE = 0x10;
    public static final int COMPAT_DIR_INDEX = 0x20;
    public static final int COMPAT_LAZY_BG = 0x40;
    public static final int COMPAT_EXCLUDE_BITMAP = 0x100;
    public static final int COMPAT_SPARSE_SUPER2 = 0x200;
    public static final int COMPAT_FAST_COMMIT = 0x400;
    public static final int COMPAT_STABLE_INODES = 0x800;
    public static final int COMPAT_ORPHAN_FILE = 0x1000;

    public static final int INCOMPAT_COMPRESSION = 0x1;
    public static final int INCOMPAT_FILETYPE = 0x2;
    public static final int INCOMPAT_RECOVER = 0x4;
    public static final int INCOMPAT_JOURNAL_DEV = 0x8;
    public static final int INCOMPAT_META_BG = 0x10;
    public static final int INCOMPAT_EXTENTS = 0x40;
    public static final int INCOMPAT_64BIT = 0x80;
    public static final int INCOMPAT_MMP = 0x100;
    public static final int INCOMPAT_FLEX_BG = 0x200;
    public static final int INCOMPAT_EA_INODE = 0x400;
    public static final int INCOMPAT_DIRDATA = 0x1000;
    public static final int INCOMPAT_CSUM_SEED = 0x2000;
    public static final int INCOMPAT_LARGEDIR = 0x4000;
    public static final int INCOMPAT_INLINE_DATA = 0x8000;
    public static final int INCOMPAT_ENCRYPT = 0x10000;
    public static final int INCOMPAT_CASEFOLD = 0x20000;

    public static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    public static final int RO_COMPAT_LARGE_FILE = 0x2;
    public static final int RO_COMPAT_BTREE_DIR = 0x4;
    public static final int RO_COMPAT_HUGE_FILE = 0x8;
    public static final int RO_COMPAT_GDT_CSUM = 0x10;
    public static final int RO_COMPAT_DIR_NLINK = 0x20;
    public static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    public static final int RO_COMPAT_HAS_SNAPSHOT = 0x80;
    public static final int RO_COMPAT_QUOTA = 0x100;
    public static final int RO_COMPAT_BIGALLOC = 0x200;
    public static final int RO_COMPAT_METADATA_CSUM = 0x400;
    public static final int RO_COMPAT_REPLICA = 0x800;
    public static final int RO_COMPAT_READONLY = 0x1000;
    public static final int RO_COMPAT_PROJECT = 0x2000;
    public static final int RO_COMPAT_SHARED_BLOCKS = 0x4000;
    public static final int RO_COMPAT_VERITY = 0x8000;
    public static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    /** INCOMPAT features the reader handles; any other set bit makes the image unopenable. */
    public static final int INCOMPAT_READ_SUPPORTED = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG
            | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR
            | INCOMPAT_INLINE_DATA | INCOMPAT_EA_INODE;

    /** RO_COMPAT features a writer must understand; any other set bit forces a read-only open. */
    public static final int RO_COMPAT_WRITE_SUPPORTED = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE
            | RO_COMPAT_HUGE_FILE | RO_COMPAT_GDT_CSUM | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE
            | RO_COMPAT_METADATA_CSUM | RO_COMPAT_ORPHAN_PRESENT;

    private static final String[] COMPAT_NAMES = {"dir_prealloc", "imagic_inodes", "has_journal", "ext_attr",
        "resize_inode", "dir_index", "lazy_bg", "exclude_inode", "exclude_bitmap", "sparse_super2", "fast_commit",
        "stable_inodes", "orphan_file"};
    private static final String[] INCOMPAT_NAMES = {"compression", "filetype", "needs_recovery", "journal_dev",
        "meta_bg", "incompat_0x20", "extent", "64bit", "mmp", "flex_bg", "ea_inode", "incompat_0x800", "dirdata",
        "metadata_csum_seed", "large_dir", "inline_data", "encrypt", "casefold"};
    private static final String[] RO_COMPAT_NAMES = {"sparse_super", "large_file", "btree_dir", "huge_file",
        "uninit_bg", "dir_nlink", "extra_isize", "snapshot", "quota", "bigalloc", "metadata_csum", "replica",
        "read-only", "project", "shared_blocks", "verity", "orphan_present"};

    /** The e2fsprogs names of the set bits, in dumpe2fs order (compat, incompat, ro_compat). */
    public static List<String> names(int compat, int incompat, int roCompat) {
        List<String> out = new ArrayList<>();
        addNames(out, compat, COMPAT_NAMES, "compat");
        addNames(out, incompat, INCOMPAT_NAMES, "incompat");
        addNames(out, roCompat, RO_COMPAT_NAMES, "ro_compat");
        return out;
    }

    /** The names of the bits set in {@code incompat} (INCOMPAT flags only). */
    public static List<String> incompatNames(int incompat) {
        List<String> out = new ArrayList<>();
        addNames(out, incompat, INCOMPAT_NAMES, "incompat");
        return out;
    }

    /** The names of the bits set in {@code roCompat} (RO_COMPAT flags only). */
    public static List<String> roCompatNames(int roCompat) {
        List<String> out = new ArrayList<>();
        addNames(out, roCompat, RO_COMPAT_NAMES, "ro_compat");
        return out;
    }

    private static void addNames(List<String> out, int bits, String[] names, String kind) {
        for (int bit = 0; bit < 32; bit++) {
            if ((bits & (1 << bit)) != 0) {
                out.add(bit < names.length ? names[bit] : kind + "_0x" + Integer.toHexString(1 << bit));
            }
        }
    }
}
