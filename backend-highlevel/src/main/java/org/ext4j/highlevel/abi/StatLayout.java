package org.ext4j.highlevel.abi;

import jnr.ffi.Pointer;
import org.ext4j.core.inode.Timestamp;
import org.ext4j.core.spi.Attributes;

/**
 * Where struct stat keeps each field on one OS and architecture. The three layouts this module
 * knows differ in more than offsets: Linux x86_64 has a 64-bit st_nlink before st_mode, Linux
 * aarch64 (the generic layout) a 32-bit one after it, and FreeBSD 12+ a 16-bit st_mode, the
 * timestamps before st_size and a birth time, in 224 bytes.
 *
 * @param size      sizeof(struct stat)
 * @param atime     offset of st_atim (a struct timespec: 8-byte seconds, 8-byte nanoseconds)
 * @param birthtime offset of st_birthtim, or -1 when the OS has none
 */
public record StatLayout(int size, Field dev, Field ino, Field nlink, Field mode, Field uid, Field gid, Field rdev,
        Field fileSize, Field blksize, Field blocks, int atime, int mtime, int ctime, int birthtime) {

    /** glibc x86_64 (bits/struct_stat.h): 144 bytes. */
    public static final StatLayout LINUX_X86_64 = new StatLayout(144, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 4), new Field(28, 4), new Field(32, 4), new Field(40, 8), new Field(48, 8),
            new Field(56, 8), new Field(64, 8), 72, 88, 104, -1);

    /** glibc aarch64 (the generic struct stat of asm-generic): 128 bytes, 32-bit st_nlink and st_blksize. */
    public static final StatLayout LINUX_AARCH64 = new StatLayout(128, new Field(0, 8), new Field(8, 8),
            new Field(20, 4), new Field(16, 4), new Field(24, 4), new Field(28, 4), new Field(32, 8), new Field(48, 8),
            new Field(56, 4), new Field(64, 8), 72, 88, 104, -1);

    /** FreeBSD 12+ amd64 (sys/sys/stat.h, 64-bit ino_t): 224 bytes, 16-bit st_mode, birth time. */
    public static final StatLayout FREEBSD_AMD64 = new StatLayout(224, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 2), new Field(28, 4), new Field(32, 4), new Field(40, 8), new Field(112, 8),
            new Field(128, 4), new Field(120, 8), 48, 64, 80, 96);

    /**
     * Fills {@code stat} (at least {@link #size} bytes) from the core's attributes: zeroes first,
     * so padding and fields this code does not set (st_flags, st_gen, spares) read as 0.
     */
    public void write(Pointer stat, Attributes a, DevEncoding devices) {
        stat.setMemory(0, size, (byte) 0);
        ino.put(stat, a.ino());
        nlink.put(stat, a.nlink());
        mode.put(stat, a.mode());
        uid.put(stat, a.uid());
        gid.put(stat, a.gid());
        rdev.put(stat, devices.encode(a.rdevMajor(), a.rdevMinor()));
        fileSize.put(stat, a.size());
        blksize.put(stat, a.blockSize());
        blocks.put(stat, a.blocks512());
        timespec(stat, atime, a.atime());
        timespec(stat, mtime, a.mtime());
        timespec(stat, ctime, a.ctime());
        if (birthtime >= 0 && a.crtime() != null) {
            timespec(stat, birthtime, a.crtime());
        }
    }

    /** Only the type bits and the inode number (what readdir's filler needs without READDIRPLUS). */
    public void writeTypeOnly(Pointer stat, long inode, int fileMode) {
        stat.setMemory(0, size, (byte) 0);
        ino.put(stat, inode);
        mode.put(stat, fileMode);
    }

    private static void timespec(Pointer p, int offset, Timestamp t) {
        p.putLongLong(offset, t.seconds());
        p.putLongLong(offset + 8, t.nanos());
    }
}
