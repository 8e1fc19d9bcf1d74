package org.ext4j.linux.iomap;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.ext4j.linux.dispatch.IomapBacking;
import org.ext4j.linux.protocol.BackingMap;
import org.ext4j.linux.session.FuseDevice;
import org.ext4j.linux.session.Libc;

/**
 * The filesystem's block device registered with a FUSE connection for iomap: the device node
 * itself, or a loop device attached to an image file. Registered with BACKING_OPEN (type iomap)
 * on the connection's /dev/fuse fd, then told the filesystem block size (IOMAP_SET_BLOCKSIZE).
 */
public final class IomapBlockDevice implements IomapBacking {
    /** {@code FUSE_DEV_IOC_BACKING_OPEN} = _IOW(229, 1, struct fuse_backing_map). */
    static final long FUSE_DEV_IOC_BACKING_OPEN = ioctlWrite(1, BackingMap.SIZE);
    /** {@code FUSE_DEV_IOC_BACKING_CLOSE} = _IOW(229, 2, uint32_t). */
    static final long FUSE_DEV_IOC_BACKING_CLOSE = ioctlWrite(2, 4);
    /** {@code FUSE_DEV_IOC_IOMAP_SUPPORT} = _IOR(229, 99, {u64 flags; u64 padding}). */
    static final long FUSE_DEV_IOC_IOMAP_SUPPORT = ioctlRead(99, 16);
    /** IOMAP_SUPPORT's flag: the kernel does file I/O through iomap. */
    static final long FUSE_IOMAP_SUPPORT_FILEIO = 1L << 0;
    /** {@code FUSE_DEV_IOC_IOMAP_SET_BLOCKSIZE} = _IOW(229, 102, {u32 backing_id; u32 blocksize}). */
    static final long FUSE_DEV_IOC_IOMAP_SET_BLOCKSIZE = ioctlWrite(102, 8);
    private static final int FUSE_DEV_IOC_MAGIC = 229;

    private static final POSIX POSIX_CALLS = POSIXFactory.getNativePOSIX();

    private final FuseDevice connection;
    private final Path device;
    private final boolean readOnly;
    private final int blockSize;
    private final PrintStream log;
    private LoopDevice loop;
    private int deviceFd = -1;
    private int backingId = -1;

    /**
     * @param connection the /dev/fuse fd of the connection (any clone would do)
     * @param device     the image file or block device node the filesystem is on
     * @param blockSize  the filesystem block size
     */
    public IomapBlockDevice(FuseDevice connection, Path device, boolean readOnly, int blockSize, PrintStream log) {
        this.connection = connection;
        this.device = device;
        this.readOnly = readOnly;
        this.blockSize = blockSize;
        this.log = log;
    }

    /** The ioctl number _IOR(229, nr, size): direction read (2) in bits 30..31, size in 16..29. */
    static long ioctlRead(int nr, int size) {
        return (2L << 30) | ((long) size << 16) | ((long) FUSE_DEV_IOC_MAGIC << 8) | nr;
    }

    /** The ioctl number _IOW(229, nr, size): direction write (1) in bits 30..31, size in 16..29. */
    static long ioctlWrite(int nr, int size) {
        return (1L << 30) | ((long) size << 16) | ((long) FUSE_DEV_IOC_MAGIC << 8) | nr;
    }

    @Override
    public boolean kernelSupportsFileIo() {
        Pointer out = Memory.allocateDirect(Runtime.getRuntime(Libc.get()), 16, true);
        if (Libc.get().ioctl(connection.fd(), FUSE_DEV_IOC_IOMAP_SUPPORT, out) != 0) {
            // ENOTTY on every kernel without the iomap series.
            return false;
        }
        return (out.getLong(0) & FUSE_IOMAP_SUPPORT_FILEIO) != 0;
    }

    @Override
    public synchronized int register() throws IOException {
        if (backingId >= 0) {
            return backingId;
        }
        int fd = openDevice();
        try {
            Runtime runtime = Runtime.getRuntime(Libc.get());
            byte[] map = BackingMap.iomap(fd).toBytes();
            Pointer arg = Memory.allocateDirect(runtime, map.length, true);
            arg.put(0, map, 0, map.length);
            int id = Libc.get().ioctl(connection.fd(), FUSE_DEV_IOC_BACKING_OPEN, arg);
            if (id < 0) {
                throw new IOException("FUSE_DEV_IOC_BACKING_OPEN (iomap) of " + describeDevice() + " failed: "
                        + FuseDevice.describe(Libc.errno()));
            }
            Pointer size = Memory.allocateDirect(runtime, 8, true);
            size.putInt(0, id);
            size.putInt(4, blockSize);
            if (Libc.get().ioctl(connection.fd(), FUSE_DEV_IOC_IOMAP_SET_BLOCKSIZE, size) != 0) {
                // The kernel then keeps the device's own block size, which is no larger: still correct.
                log.println("ext4j: iomap: setting the block size of backing device " + id + " to " + blockSize
                        + " failed: " + FuseDevice.describe(Libc.errno()));
            }
            backingId = id;
            deviceFd = fd;
            return id;
        } catch (IOException | RuntimeException e) {
            POSIX_CALLS.close(fd);
            closeLoop();
            throw e;
        }
    }

    private int openDevice() throws IOException {
        if (POSIX_CALLS.stat(device.toString()).isBlockDev()) {
            int fd = POSIX_CALLS.open(device.toString(), (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("cannot open " + device + ": " + FuseDevice.describe(POSIX_CALLS.errno()));
            }
            return fd;
        }
        loop = LoopDevice.attach(device, readOnly);
        // A descriptor of our own for the registration; the loop device keeps its own until close.
        int fd = POSIX_CALLS.open(loop.node().toString(), (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = POSIX_CALLS.errno();
            closeLoop();
            throw new IOException("cannot open " + loop.node() + ": " + FuseDevice.describe(errno));
        }
        return fd;
    }

    private String describeDevice() {
        return loop != null ? loop.node() + " (over " + device + ")" : device.toString();
    }

    /** The loop device attached for an image file, or null. */
    public synchronized LoopDevice loop() {
        return loop;
    }

    @Override
    public synchronized void close() {
        if (backingId >= 0) {
            Pointer id = Memory.allocateDirect(Runtime.getRuntime(Libc.get()), 4, true);
            id.putInt(0, backingId);
            if (Libc.get().ioctl(connection.fd(), FUSE_DEV_IOC_BACKING_CLOSE, id) != 0) {
                // The connection may already be gone, which drops the registration with it.
                log.println("ext4j: iomap: FUSE_DEV_IOC_BACKING_CLOSE of " + backingId + ": "
                        + FuseDevice.describe(Libc.errno()));
            }
            backingId = -1;
        }
        if (deviceFd >= 0) {
            POSIX_CALLS.close(deviceFd);
            deviceFd = -1;
        }
        closeLoop();
    }

    private void closeLoop() {
        if (loop != null) {
            loop.close();
            loop = null;
        }
    }
}
