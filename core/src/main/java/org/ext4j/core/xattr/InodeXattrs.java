package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.u32;

import java.util.List;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.inode.Inode;

/**
 * The xattr table inside a large inode, in the space after {@code i_extra_isize}: a 4-byte magic
 * ({@code struct ext4_xattr_ibody_header}) followed by entries, values counted from the first entry.
 */
public final class InodeXattrs {
    /** Size of the in-inode header (only h_magic). */
    public static final int IBODY_HEADER_SIZE = 4;

    private InodeXattrs() {
    }

    /**
     * The entries stored in {@code inode}'s body; empty when the inode is too small or the magic
     * is absent (the kernel treats that as "no in-inode xattrs", not as corruption).
     *
     * @param eaInodes whether the filesystem has the ea_inode feature
     * @param maxInum  the highest inode number (s_inodes_count)
     */
    public static List<XattrEntry> read(Inode inode, boolean eaInodes, long maxInum) {
        byte[] raw = inode.raw();
        if (raw.length <= Superblock.GOOD_OLD_INODE_SIZE) {
            return List.of();
        }
        int start = Superblock.GOOD_OLD_INODE_SIZE + inode.extraIsize();
        if (start + IBODY_HEADER_SIZE + 4 > raw.length || u32(raw, start) != XattrBlock.MAGIC) {
            return List.of();
        }
        int first = start + IBODY_HEADER_SIZE;
        return List.copyOf(XattrTable.parse(raw, first, raw.length, first, XattrEntry.Location.INODE_BODY,
                eaInodes, maxInum, "in-inode xattrs of inode " + inode.ino()));
    }
}
