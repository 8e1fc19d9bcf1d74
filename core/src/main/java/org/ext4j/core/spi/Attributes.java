package org.ext4j.core.spi;


/**
 * What stat(2) reports about an inode.
 *
 * @param ino        inode number (the FUSE node id)
 * @param type       file type
 * @param mode       full st_mode: type bits and permission bits
 * @param nlink      link count (1 for a directory whose count overflowed with dir_nlink)
 * @param size       size in bytes
 * @param blocks512  allocated space in 512-byte units
 * @param rdevMajor  device major number (device nodes only)
 * @param rdevMinor  device minor number
 * @param crtime     creation time, or null when the inode has no room for it
 * @param flags      i_flags
 */
public record Attributes(long ino, FileType type, int mode, long nlink, long uid, long gid, long size,
        long blocks512, int blockSize, Timestamp atime, Timestamp mtime, Timestamp ctime, Timestamp crtime,
        int rdevMajor, int rdevMinor, int generation, int flags) {

    /** Permission bits (including setuid, setgid, sticky). */
    public int permissions() {
        return mode & 07777;
    }
}
