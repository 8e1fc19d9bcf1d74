package org.ext4j.core.xattr;

import org.ext4j.core.extent.FileContent;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;

/** Reads the data of an EA inode: a large xattr value stored as the content of its own inode. */
final class EaInodeData {
    private EaInodeData() {
    }

    /** The first {@code size} bytes of {@code ea}'s content; {@code size} equals its validated i_size. */
    static byte[] read(DiskView fs, Inode ea, int size, String where) {
        byte[] value = new byte[size];
        int got = FileContent.read(fs, ea, 0, value, 0, size);
        if (!(got == size)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, ea.ino(), CorruptionException.NO_BLOCK,
                    where + ": only " + got + " of " + size + " bytes could be read");
        }
        return value;
    }
}
