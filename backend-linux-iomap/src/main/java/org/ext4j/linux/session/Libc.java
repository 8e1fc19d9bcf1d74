package org.ext4j.linux.session;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls jnr-posix does not offer (ioctl, mount, umount2), bound with jnr-ffi. Each saves
 * errno; read it with {@link #errno()} right after a call returned -1.
 */
public interface Libc {
    /** Linux errno values the session and mount code act on. */
    int ENOENT = 2;
    int EINTR = 4;
    int EAGAIN = 11;
    int EBUSY = 16;
    int ENODEV = 19;
    int EINVAL = 22;

    /** open(2) flags (Linux values: the arguments of Linux system calls, not the SPI's open flags). */
    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_EXCL = 0200;
    int O_CLOEXEC = 02000000;

    /** ioctl(2) with a pointer argument. */
    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    /** mount(2). */
    @SaveError
    int mount(String source, String target, String fstype, long flags, String data);

    /** umount2(2). */
    @SaveError
    int umount2(String target, int flags);

    /** The process-wide binding. */
    static Libc get() {
        return Holder.LIBC;
    }

    /** errno of the last call on this thread. */
    static int errno() {
        return Runtime.getRuntime(Holder.LIBC).getLastError();
    }

    /** Lazy loading: nothing native is touched until a mount is attempted. */
    final class Holder {
        static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");

        private Holder() {
        }
    }
}
