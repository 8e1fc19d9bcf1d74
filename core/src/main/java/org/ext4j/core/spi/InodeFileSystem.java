package org.ext4j.core.spi;

import java.io.Closeable;
import java.util.List;
import java.util.Optional;

/**
 * The filesystem as backends see it: every operation is keyed by inode number (the FUSE node id),
 * POSIX rules are applied here once, and failures are {@link Ext4Exception}s carrying an
 * {@link Errno}. Implementations are thread-safe.
 *
 * <p>File and directory handles are opaque longs returned by {@link #open} / {@link #opendir}
 * and handed back on every call that uses them; a handle keeps its inode alive until released
 * (an unlinked file stays readable until its last handle is released). The write operations
 * (create, mknod, mkdir, symlink, link, unlink, rmdir, rename, write, setattr, fallocate,
 * setxattr, removexattr, fsync) join this interface with the write path and take the same shape:
 * a {@link Caller}, the parent inode and name bytes, and they return {@link Attributes}.
 *
 * <p>What an implementation can do beyond reading is asked with {@link #writable()} and
 * {@link #iomap()}, never with {@code instanceof}: a wrapper (an owner override, a test probe)
 * implements every interface and answers for what it wraps.
 */
public interface InodeFileSystem extends Closeable {
    /** The root directory's inode number. */
    long ROOT_INO = 2;

    /** Open flags (Linux values) that matter to the core. */
    int O_ACCMODE = 3;
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    /**
     * The kernel's __FMODE_EXEC, which the open of execve(2) (and uselib) carries beside
     * O_RDONLY: such an open needs execute permission, not read permission.
     */
    int FMODE_EXEC = 040;

    /** lseek whence values that need the filesystem (SEEK_SET/CUR/END are the caller's). */
    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;

    /**
     * This filesystem's write operations, when it has them (it may still refuse every change
     * while {@link #isReadOnly()}); empty for a filesystem that can only be read.
     */
    default Optional<WritableFileSystem> writable() {
        return Optional.empty();
    }

    /**
     * This filesystem's block mapping for a kernel that does file data I/O itself (FUSE iomap),
     * when it has it; empty otherwise.
     */
    default Optional<IomapFileSystem> iomap() {
        return Optional.empty();
    }

    /** Finds {@code name} in directory {@code parent}. ENOENT when absent, ENOTDIR when parent is not a directory. */
    Attributes lookup(Caller caller, long parent, byte[] name);

    /** stat of an inode. */
    Attributes getattr(long ino);

    /**
     * stat of the inode a file handle names by number (open_by_handle_at, an NFS export): ESTALE
     * when the number names no inode in use or a reserved inode other than the root, as
     * ext4_nfs_get_inode answers. The caller compares the returned generation with the handle's.
     * No permission is checked: resolving a handle is a privileged operation of its own.
     */
    default Attributes getattrByHandle(long ino) {
        return getattr(ino);
    }

    /** The target of a symbolic link, as stored (bytes). */
    byte[] readlink(long ino);

    /** Opens a directory for listing; returns a handle. */
    long opendir(Caller caller, long ino);

    /**
     * Lists directory {@code ino} from cookie {@code offset} (0 = start): at most
     * {@code maxEntries} entries, "." and ".." included, unless entries that share one cookie
     * alone exceed it (they are returned together, because a cookie cannot point between them).
     * An empty list means the end.
     */
    List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries);

    void releasedir(long ino, long handle);

    /**
     * Opens a file with open(2) flags (and {@link #FMODE_EXEC} for a program about to run);
     * returns a handle.
     */
    long open(Caller caller, long ino, int flags);

    /** Reads up to {@code len} bytes at {@code offset}; returns the count (0 at end of file). */
    int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len);

    void release(long ino, long handle);

    /** Checks access(2) mode bits (R_OK 4, W_OK 2, X_OK 1; 0 = existence) for the caller. */
    void access(Caller caller, long ino, int mask);

    StatFs statfs();

    /** The value of extended attribute {@code name}; ENODATA when absent. */
    byte[] getxattr(long ino, String name);

    /** Every extended attribute name of the inode. */
    List<String> listxattr(long ino);

    /**
     * Where the bytes {@code [offset, offset + length)} of file {@code ino} live: consecutive
     * extents covering the range (clipped to the file's blocks; past the end of file a hole).
     */
    List<MappedExtent> mapBlocks(long ino, long offset, long length);

    /**
     * Finds the next data or hole at or after {@code offset} (lseek with SEEK_DATA / SEEK_HOLE)
     * in the file open as {@code handle}, by the rule of {@link SeekDataHole}: unwritten extents
     * count as holes, the end of file as a hole.
     *
     * @throws Ext4Exception ENXIO (offset at or past the end of file, or no data after it),
     *         EINVAL (other whence, negative offset), EBADF (an implementation that checks handles)
     */
    default long lseek(long ino, long handle, long offset, int whence) {
        return SeekDataHole.seek(this, ino, offset, whence);
    }

    /**
     * Goes read-only or back to read-write while in use ({@code mount -o remount,ro} / {@code rw}):
     * going read-only makes everything committed durable and the image consistent without a
     * journal replay, then refuses changes with EROFS; going read-write takes them again.
     *
     * @throws Ext4Exception EROFS when the filesystem can never be written, EIO when writing out
     *         failed, EOPNOTSUPP when the implementation cannot switch
     */
    default void remount(boolean readOnly) {
        throw new Ext4Exception(Errno.EOPNOTSUPP, "this filesystem cannot be remounted");
    }

    /** True when no write will be accepted (and why, via {@link #readOnlyReason}). */
    boolean isReadOnly();

    String readOnlyReason();

    /**
     * A client (the FUSE kernel, through its lookup count) holds a reference to {@code ino}: the
     * inode stays alive, even when its last link goes, until the matching {@link #forget}, as an
     * open file does. Nothing to do for a filesystem that never frees inodes.
     */
    default void retain(long ino) {
    }

    /** The client dropped the reference {@link #retain} took; an unlinked inode may now be freed. */
    default void forget(long ino) {
    }

    /**
     * {@link #forget} of each of {@code inos} (an inode may appear more than once: one reference
     * each). A filesystem may free the inodes this releases together, in one transaction.
     */
    default void forgetAll(long[] inos) {
        for (long ino : inos) {
            forget(ino);
        }
    }
}
