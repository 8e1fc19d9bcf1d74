package org.ext4j.highlevel.bind;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * The C signatures of the fuse_operations slots, one interface per distinct signature, as jnr-ffi
 * closures. Every {@code const char *} arrives as a Pointer (paths and names are bytes, not text
 * in some charset); size_t and off_t are 64-bit on every platform served (LP64); mode_t, uid_t,
 * gid_t and the flag words arrive as 32-bit ints (a 16-bit mode_t is masked by the platform).
 */
final class Callbacks {
    private Callbacks() {
    }

    /** getattr(path, struct stat *, fi), utimens(path, const struct timespec[2], fi). */
    public interface PathPointerFi {
        @Delegate
        int call(Pointer path, Pointer p, Pointer fi);
    }

    /** readlink(path, buf, size), listxattr(path, list, size). */
    public interface PathBufSize {
        @Delegate
        int call(Pointer path, Pointer buf, long size);
    }

    /** mknod(path, mode, dev) with a 64-bit dev_t (Linux, FreeBSD). */
    public interface PathModeDev {
        @Delegate
        int call(Pointer path, int mode, long dev);
    }

    /** mknod(path, mode, dev) with a 32-bit dev_t (macOS). */
    public interface PathModeDev32 {
        @Delegate
        int call(Pointer path, int mode, int dev);
    }

    /** mkdir(path, mode), access(path, mask). */
    public interface PathInt {
        @Delegate
        int call(Pointer path, int value);
    }

    /** unlink(path), rmdir(path). */
    public interface PathOnly {
        @Delegate
        int call(Pointer path);
    }

    /** symlink(target, path), link(from, to), statfs(path, statvfs), removexattr(path, name). */
    public interface PathPath {
        @Delegate
        int call(Pointer a, Pointer b);
    }

    /** rename(from, to, flags). */
    public interface PathPathInt {
        @Delegate
        int call(Pointer from, Pointer to, int flags);
    }

    /** chmod(path, mode, fi), create(path, mode, fi), fsync(path, datasync, fi), fsyncdir. */
    public interface PathIntFi {
        @Delegate
        int call(Pointer path, int value, Pointer fi);
    }

    /** chown(path, uid, gid, fi). */
    public interface PathUidGidFi {
        @Delegate
        int call(Pointer path, int uid, int gid, Pointer fi);
    }

    /** truncate(path, size, fi). */
    public interface PathLongFi {
        @Delegate
        int call(Pointer path, long value, Pointer fi);
    }

    /** open(path, fi), release, opendir, releasedir. */
    public interface PathFi {
        @Delegate
        int call(Pointer path, Pointer fi);
    }

    /** read(path, buf, size, offset, fi), write(path, buf, size, offset, fi). */
    public interface PathBufSizeOffsetFi {
        @Delegate
        int call(Pointer path, Pointer buf, long size, long offset, Pointer fi);
    }

    /** setxattr(path, name, value, size, flags). */
    public interface SetXattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size, int flags);
    }

    /** getxattr(path, name, value, size). */
    public interface GetXattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size);
    }

    /** setxattr(path, name, value, size, flags, position): macFUSE's, with the resource-fork offset. */
    public interface SetXattrAt {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size, int flags, int position);
    }

    /** getxattr(path, name, value, size, position): macFUSE's. */
    public interface GetXattrAt {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, long size, int position);
    }

    /** chflags(path, fi, flags): macFUSE's. */
    public interface PathFiInt {
        @Delegate
        int call(Pointer path, Pointer fi, int flags);
    }

    /** readdir(path, buf, filler, offset, fi, flags). */
    public interface Readdir {
        @Delegate
        int call(Pointer path, Pointer buf, Pointer filler, long offset, Pointer fi, int flags);
    }

    /** init(conn, cfg): returns the private data (none). */
    public interface Init {
        @Delegate
        Pointer call(Pointer conn, Pointer config);
    }

    /** destroy(private_data). */
    public interface Destroy {
        @Delegate
        void call(Pointer privateData);
    }

    /** ioctl(path, cmd, arg, fi, flags, data). */
    public interface Ioctl {
        @Delegate
        int call(Pointer path, int cmd, Pointer arg, Pointer fi, int flags, Pointer data);
    }

    /** fallocate(path, mode, offset, length, fi). */
    public interface Fallocate {
        @Delegate
        int call(Pointer path, int mode, long offset, long length, Pointer fi);
    }

    /** lseek(path, offset, whence, fi): the new offset or a negative errno. */
    public interface Lseek {
        @Delegate
        long call(Pointer path, long offset, int whence, Pointer fi);
    }
}
