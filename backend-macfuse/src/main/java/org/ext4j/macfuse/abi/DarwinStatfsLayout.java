package org.ext4j.macfuse.abi;

import jnr.ffi.Pointer;
import org.ext4j.core.spi.StatFs;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.FsStatsLayout;

/**
 * macOS's {@code struct statfs} (sys/mount.h, the 64-bit-inode variant every 64-bit program
 * gets), which macFUSE's statfs hands over when the Darwin extensions are on. It has no f_frsize,
 * f_favail or f_namemax; the kernel fills the names, type, flags and fsid itself.
 *
 * @param size the struct's size (2168 bytes: two MAXPATHLEN names of 1024)
 */
public record DarwinStatfsLayout(int size, Field bsize, Field iosize, Field blocks, Field bfree, Field bavail,
        Field files, Field ffree, Field fsid, Field owner, Field type, Field flags, Field fssubtype, int fstypename,
        int mntonname, int mntfromname, Field flagsExt) implements FsStatsLayout {

    /** The same on x86_64 and arm64: fixed-width members only. */
    public static final DarwinStatfsLayout DARWIN = new DarwinStatfsLayout(2168, new Field(0, 4), new Field(4, 4),
            new Field(8, 8), new Field(16, 8), new Field(24, 8), new Field(32, 8), new Field(40, 8), new Field(48, 8),
            new Field(56, 4), new Field(60, 4), new Field(64, 4), new Field(68, 4), 72, 88, 1112, new Field(2136, 4));

    /** Block counts in file system blocks; the optimal transfer size is one block. */
    @Override
    public void write(Pointer statfs, StatFs s) {
        statfs.setMemory(0, size, (byte) 0);
        bsize.put(statfs, s.blockSize());
        iosize.put(statfs, s.blockSize());
        blocks.put(statfs, s.blocks());
        bfree.put(statfs, s.blocksFree());
        bavail.put(statfs, s.blocksAvailable());
        files.put(statfs, s.files());
        ffree.put(statfs, s.filesFree());
    }
}
