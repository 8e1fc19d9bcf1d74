package org.ext4j.core.inode;

import java.util.ArrayList;
import java.util.List;

/** i_flags bits (the FS_*_FL values lsattr/chattr show are the same numbers for the user-visible ones). */
public final class InodeFlags {
    private InodeFlags() {
    }

    public static final int EXT4_SECRM_FL = 0x1;
    public static final int EXT4_UNRM_FL = 0x2;
    public static final int EXT4_COMPR_FL = 0x4;
    public static final int EXT4_SYNC_FL = 0x8;
    public static final int EXT4_IMMUTABLE_FL = 0x10;
    public static final int EXT4_APPEND_FL = 0x20;
    public static final int EXT4_NODUMP_FL = 0x40;
    public static final int EXT4_NOATIME_FL = 0x80;
    public static final int EXT4_ENCRYPT_FL = 0x800;
    public static final int EXT4_INDEX_FL = 0x1000;
    public static final int EXT4_IMAGIC_FL = 0x2000;
    public static final int EXT4_JOURNAL_DATA_FL = 0x4000;
    public static final int EXT4_NOTAIL_FL = 0x8000;
    public static final int EXT4_DIRSYNC_FL = 0x10000;
    public static final int EXT4_TOPDIR_FL = 0x20000;
    public static final int EXT4_HUGE_FILE_FL = 0x40000;
    public static final int EXT4_EXTENTS_FL = 0x80000;
    public static final int EXT4_VERITY_FL = 0x100000;
    public static final int EXT4_EA_INODE_FL = 0x200000;
    public static final int EXT4_DAX_FL = 0x2000000;
    public static final int EXT4_INLINE_DATA_FL = 0x10000000;
    public static final int EXT4_PROJINHERIT_FL = 0x20000000;
    public static final int EXT4_CASEFOLD_FL = 0x40000000;

    private static final String[] NAMES = {"secrm", "unrm", "compr", "sync", "immutable", "append", "nodump",
        "noatime", "dirty", "comprblk", "nocompr", "encrypt", "index", "imagic", "journal_data", "notail",
        "dirsync", "topdir", "huge_file", "extents", "verity", "ea_inode", "eofblocks", "0x800000", "0x1000000",
        "dax", "0x4000000", "0x8000000", "inline_data", "projinherit", "casefold", "0x80000000"};

    /** Names of the set bits, for diagnostics. */
    public static List<String> names(int flags) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((flags & (1 << bit)) != 0) {
                out.add(NAMES[bit]);
            }
        }
        return out;
    }
}
