package org.ext4j.linux.session;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls jnr-posix does not offer (ioctl, mount, umount2, and syscall(2) for the io_uring
 * calls glibc has no wrapper for, and for mmap, whose libc binding returned EINVAL through jnr-ffi
 * even for an anonymous mapping), bound with jnr-ffi. Each saves errno; read it with
 * {@link #errno()} right after a call returned -1.
 */
public interface Libc {
    /** Linux errno values the session and mount code act on. */
    int ENOENT = 2;
    int EINTR = 4;
    int EAGAIN = 11;
    int EBUSY = 16;
    int ENODEV = 19;
    int EINVAL = 22;
    int EIO = 5;
    int EBADF = 9;
    int ECONNABORTED = 103;
    int ENOSYS = 38;
    int ENOTCONN = 107;
    int ECANCELED = 125;
    int EOPNOTSUPP = 95;

    /** mmap(2) protection and flags. */
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    int MAP_POPULATE = 0x8000;
    /** What mmap returns on failure. */
    long MAP_FAILED = -1L;

    /** open(2) flags (Linux values: the arguments of Linux system calls, not the SPI's open flags). */
    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_EXCL = 0200;
    int O_NONBLOCK = 04000;
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

    /** syscall(2): the io_uring calls, whose arguments are all integers or addresses. */
    @SaveError
    long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);


    /** close(2), for descriptors jnr-posix did not open (an io_uring). */
    @SaveError
    int close(int fd);

    /** sched_setaffinity(2): pid 0 is the calling thread. */
    @SaveError
    int sched_setaffinity(int pid, long cpusetsize, Pointer mask);

    /** getpagesize(3): the unit the kernel sizes FUSE payloads in. */
    int getpagesize();

    /** mmap(2) through syscall(2); returns the address, or {@link #MAP_FAILED}. */
    static long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        return get().syscall(Syscalls.MMAP, address, length, prot, flags, fd, offset);
    }

    /** munmap(2) through syscall(2). */
    static int munmap(long address, long length) {
        return (int) get().syscall(Syscalls.MUNMAP, address, length, 0, 0, 0, 0);
    }

    /**
     * The syscall numbers used here. mmap and munmap differ between the two architectures Java
     * runs Linux on in practice; the io_uring calls (425..427) are the same on both.
     */
    final class Syscalls {
        static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
        static final long MMAP = AARCH64 ? 222 : 9;
        static final long MUNMAP = AARCH64 ? 215 : 11;
        static final long IO_URING_SETUP = 425;
        static final long IO_URING_ENTER = 426;

        private Syscalls() {
        }
    }

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
