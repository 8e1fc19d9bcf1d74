package org.ext4j.linux.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import jnr.constants.platform.Errno;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * One open file descriptor on {@code /dev/fuse}. A read returns exactly one request (the buffer
 * must hold max_write plus headers); a write delivers exactly one reply. Raw fds through jnr-posix,
 * because a FileChannel does not keep FUSE's one-request-per-read semantics.
 */
public final class FuseDevice implements AutoCloseable {
    /** Path of the FUSE device. */
    public static final String PATH = "/dev/fuse";

    /** {@code FUSE_DEV_IOC_CLONE} = _IOR(229, 0, uint32_t): binds a new fd to an existing connection. */
    static final long FUSE_DEV_IOC_CLONE = (2L << 30) | (4L << 16) | (229L << 8);


    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    private final int fd;
    private volatile boolean closed;

    private FuseDevice(int fd) {
        this.fd = fd;
    }

    /** Opens {@code /dev/fuse} read-write (close-on-exec, so helper processes do not inherit it). */
    public static FuseDevice open() throws IOException {
        return open(0);
    }

    private static FuseDevice open(int flags) throws IOException {
        int fd = POSIX_CALLS.open(PATH, Libc.O_RDWR | Libc.O_CLOEXEC | flags, 0);
        if (fd < 0) {
            throw new IOException("cannot open " + PATH + ": " + describe(POSIX_CALLS.errno()));
        }
        return new FuseDevice(fd);
    }

    /** Wraps an fd received from elsewhere (fusermount3). */
    public static FuseDevice ofFd(int fd) {
        return new FuseDevice(fd);
    }

    /** A new fd on the same connection, so another thread can read requests in parallel. */
    public FuseDevice cloneDevice() throws IOException {
        return cloneWith(0);
    }

    /**
     * Like {@link #cloneDevice()}, with reads that do not wait: a read finding no request returns
     * EAGAIN at once.
     */
    public FuseDevice cloneNonBlocking() throws IOException {
        return cloneWith(Libc.O_NONBLOCK);
    }

    private FuseDevice cloneWith(int flags) throws IOException {
        FuseDevice copy = open(flags);
        Runtime runtime = Runtime.getRuntime(Libc.get());
        Pointer master = Memory.allocateDirect(runtime, 4);
        master.putInt(0, fd);
        if (Libc.get().ioctl(copy.fd, FUSE_DEV_IOC_CLONE, master) != 0) {
            int errno = Libc.errno();
            copy.close();
            throw new IOException("FUSE_DEV_IOC_CLONE failed: " + describe(errno));
        }
        return copy;
    }

    /** The descriptor number (what the mount data's {@code fd=} names). */
    public int fd() {
        return fd;
    }

    /**
     * Reads one request into {@code buffer} from index 0.
     *
     * @return bytes read, or the negated errno
     */
    int read(ByteBuffer buffer) {
        buffer.clear();
        int n = POSIX_CALLS.read(fd, buffer, buffer.capacity());
        return n >= 0 ? n : -POSIX_CALLS.errno();
    }

    /**
     * Writes one reply held in {@code buffer[position, position + length)} (jnr-posix passes the
     * address at the buffer's position).
     *
     * @return bytes written, or the negated errno
     */
    int write(ByteBuffer buffer, int length) {
        int n = POSIX_CALLS.write(fd, buffer, length);
        return n >= 0 ? n : -POSIX_CALLS.errno();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            POSIX_CALLS.close(fd);
        }
    }

    /** "ENODEV (No such device)" for an errno value. */
    public static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name() + " (" + e.description() + ")";
    }
}
