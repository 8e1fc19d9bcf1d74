package org.ext4j.highlevel.abi;

import jnr.ffi.Pointer;
import org.ext4j.core.spi.StatFs;

/**
 * Where struct statvfs keeps each field. glibc (x86_64 and aarch64 alike) starts with f_bsize
 * and f_frsize; FreeBSD starts with the three block counts, in the opposite order (f_bavail
 * first), and is 88 bytes.
 */
public record StatvfsLayout(int size, Field bsize, Field frsize, Field blocks, Field bfree, Field bavail,
        Field files, Field ffree, Field favail, Field fsid, Field flag, Field namemax) implements FsStatsLayout {

    /** glibc on 64-bit Linux (bits/statvfs.h): 112 bytes. */
    public static final StatvfsLayout LINUX_64 = new StatvfsLayout(112, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 8), new Field(32, 8), new Field(40, 8), new Field(48, 8), new Field(56, 8),
            new Field(64, 8), new Field(72, 8), new Field(80, 8));

    /** FreeBSD amd64 (sys/sys/statvfs.h): 88 bytes. */
    public static final StatvfsLayout FREEBSD_AMD64 = new StatvfsLayout(88, new Field(48, 8), new Field(64, 8),
            new Field(16, 8), new Field(8, 8), new Field(0, 8), new Field(40, 8), new Field(32, 8), new Field(24, 8),
            new Field(72, 8), new Field(56, 8), new Field(80, 8));

    /** Fills {@code statvfs} from the core's statfs; f_flag and f_fsid stay 0 (the kernel fills them). */
    @Override
    public void write(Pointer statvfs, StatFs s) {
        statvfs.setMemory(0, size, (byte) 0);
        bsize.put(statvfs, s.blockSize());
        frsize.put(statvfs, s.blockSize());
        blocks.put(statvfs, s.blocks());
        bfree.put(statvfs, s.blocksFree());
        bavail.put(statvfs, s.blocksAvailable());
        files.put(statvfs, s.files());
        ffree.put(statvfs, s.filesFree());
        favail.put(statvfs, s.filesFree());
        namemax.put(statvfs, s.maxNameLength());
    }
}
