package org.ext4j.highlevel.abi;

import jnr.ffi.Pointer;
import org.ext4j.core.host.DevT;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;

/**
 * Where the attribute structure that getattr and the readdir filler take keeps each field, on
 * one OS and architecture and in one library dialect. The layouts differ in more than offsets:
 * Linux x86_64 has a 64-bit st_nlink before st_mode, Linux aarch64 (the generic layout) a 32-bit
 * one after it, FreeBSD 12+ a 16-bit st_mode, the timestamps before st_size and a birth time, in
 * 224 bytes; macFUSE's {@code struct fuse_darwin_attr} has no device field at all, 16-bit mode
 * and link count, and the BSD file flags.
 *
 * @param size      sizeof the structure
 * @param dev       st_dev, or null where the structure has none (it is never written: the kernel
 *                  fills it; the field is named for the layout checks)
 * @param flags     the BSD file flags (st_flags), or null where the structure has none
 * @param atime     offset of the access time (a struct timespec: 8-byte seconds, 8-byte nanoseconds)
 * @param birthtime offset of the birth time, or -1 when the structure has none
 */
public record StatLayout(int size, Field dev, Field ino, Field nlink, Field mode, Field uid, Field gid, Field rdev,
        Field fileSize, Field blksize, Field blocks, Field flags, int atime, int mtime, int ctime, int birthtime) {

    /** glibc x86_64 (bits/struct_stat.h): 144 bytes. */
    public static final StatLayout LINUX_X86_64 = new StatLayout(144, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 4), new Field(28, 4), new Field(32, 4), new Field(40, 8), new Field(48, 8),
            new Field(56, 8), new Field(64, 8), null, 72, 88, 104, -1);

    /** glibc aarch64 (the generic struct stat of asm-generic): 128 bytes, 32-bit st_nlink and st_blksize. */
    public static final StatLayout LINUX_AARCH64 = new StatLayout(128, new Field(0, 8), new Field(8, 8),
            new Field(20, 4), new Field(16, 4), new Field(24, 4), new Field(28, 4), new Field(32, 8), new Field(48, 8),
            new Field(56, 4), new Field(64, 8), null, 72, 88, 104, -1);

    /**
     * FreeBSD 12+ amd64 (sys/sys/stat.h, 64-bit ino_t): 224 bytes, 16-bit st_mode, birth time.
     * st_flags is not written: FreeBSD's fusefs takes no flags from a FUSE server.
     */
    public static final StatLayout FREEBSD_AMD64 = new StatLayout(224, new Field(0, 8), new Field(8, 8),
            new Field(16, 8), new Field(24, 2), new Field(28, 4), new Field(32, 4), new Field(40, 8), new Field(112, 8),
            new Field(128, 4), new Field(120, 8), null, 48, 64, 80, 96);

    /** {@link #write(Pointer, Attributes, DevT, int)} with no file flags. */
    public void write(Pointer stat, Attributes a, DevT devices) {
        write(stat, a, devices, 0);
    }

    /**
     * Fills {@code stat} (at least {@link #size} bytes) from the core's attributes: zeroes first,
     * so padding and fields this code does not set (st_gen, spares, the backup time) read as 0.
     *
     * @param nativeFlags the file flags in the OS's numbering, written where the layout has them
     */
    public void write(Pointer stat, Attributes a, DevT devices, int nativeFlags) {
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
        if (flags != null) {
            flags.put(stat, Integer.toUnsignedLong(nativeFlags));
        }
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
