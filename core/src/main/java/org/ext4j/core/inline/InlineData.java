package org.ext4j.core.inline;

import java.util.Arrays;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.xattr.XattrEntry;
import org.ext4j.core.xattr.XattrName;
import org.ext4j.core.xattr.XattrNameIndex;
import org.ext4j.core.xattr.XattrReader;

/**
 * The content of an inode with EXT4_INLINE_DATA_FL: the 60 bytes of {@code i_block}, continued by
 * the value of the in-inode xattr {@code system.data} (which may be empty).
 */
public final class InlineData {
    /** The part of inline data that lives in i_block (EXT4_MIN_INLINE_DATA_SIZE). */
    public static final int MIN_INLINE_DATA_SIZE = Inode.I_BLOCK_SIZE;
    /** The xattr that holds the rest: index 7 ("system."), name "data". */
    public static final XattrName SYSTEM_DATA = new XattrName(XattrNameIndex.SYSTEM, new byte[] {'d', 'a', 't', 'a'});

    private InlineData() {
    }

    /**
     * The inline content of {@code inode}: for a directory all of it (i_block and system.data,
     * for the directory parser); for any other type i_size bytes, or fewer when i_size claims
     * more than the inode holds: the kernel then reads the inline bytes followed by zeros, and
     * callers must do the same up to i_size.
     *
     * @throws Ext4Exception EINVAL when the inode does not have inline data
     * @throws CorruptionException when system.data is missing or not in the inode body, or
     *                             i_size is negative
     */
    public static byte[] content(DiskView fs, Inode inode) {
        if (!inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + inode.ino() + " has no inline data");
        }
        byte[] all = all(fs, inode);
        if (inode.type() == FileType.DIRECTORY) {
            return all;
        }
        long size = inode.size();
        if (!(size >= 0)) {
            throw new CorruptionException(CorruptionException.Structure.INLINE_DATA, inode.ino(), CorruptionException.NO_BLOCK,
                    "inline data of inode " + inode.ino() + ": negative i_size");
        }
        return Arrays.copyOf(all, (int) Math.min(size, all.length));
    }

    /** How many bytes the inode holds inline (60 plus the size of system.data). */
    public static int capacity(DiskView fs, Inode inode) {
        return MIN_INLINE_DATA_SIZE + systemData(fs, inode).length;
    }

    private static byte[] all(DiskView fs, Inode inode) {
        byte[] rest = systemData(fs, inode);
        byte[] out = Arrays.copyOf(inode.iBlock(), MIN_INLINE_DATA_SIZE + rest.length);
        System.arraycopy(rest, 0, out, MIN_INLINE_DATA_SIZE, rest.length);
        return out;
    }

    private static byte[] systemData(DiskView fs, Inode inode) {
        XattrReader reader = new XattrReader(fs);
        // The kernel looks for system.data only in the inode body; a copy in the block is not inline data.
        for (XattrEntry e : reader.inodeBody(inode)) {
            if (e.name().equals(SYSTEM_DATA)) {
                if (e.inEaInode()) {
                    throw new CorruptionException(CorruptionException.Structure.INLINE_DATA, inode.ino(), CorruptionException.NO_BLOCK,
                            "inline data of inode " + inode.ino()
                        + ": system.data points to EA inode " + e.valueInum());
                }
                return reader.value(inode, e);
            }
        }
        throw new CorruptionException(CorruptionException.Structure.INLINE_DATA, inode.ino(), CorruptionException.NO_BLOCK, "inline data of inode " + inode.ino() + ": the inode has no system.data xattr");
    }
}
