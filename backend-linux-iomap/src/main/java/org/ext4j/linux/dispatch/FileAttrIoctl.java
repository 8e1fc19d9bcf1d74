package org.ext4j.linux.dispatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.FsXflags;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.linux.protocol.IoctlIn;
import org.ext4j.linux.protocol.IoctlOut;

/**
 * The ioctls that reach a FUSE filesystem for lsattr and chattr. The kernel turns
 * FS_IOC_GETFLAGS/SETFLAGS and FS_IOC_FSGETXATTR/FSSETXATTR into its fileattr operations and
 * sends them to the server as private ioctls on a handle it opens itself; SETFLAGS first reads the
 * old state with FSGETXATTR, so both forms are needed. FS_IOC_FIEMAP never arrives: the VFS
 * answers it (EOPNOTSUPP) because FUSE has no fiemap operation; on a fuseblk mount, FIBMAP (what
 * filefrag falls back to) arrives as FUSE_BMAP instead. Everything else is ENOTTY.
 */
final class FileAttrIoctl {
    /** _IOR('f', 1, long) and its 32-bit twin _IOR('f', 1, int). */
    static final int FS_IOC_GETFLAGS = 0x80086601;
    static final int FS_IOC32_GETFLAGS = 0x80046601;
    /** _IOW('f', 2, long) and _IOW('f', 2, int). */
    static final int FS_IOC_SETFLAGS = 0x40086602;
    static final int FS_IOC32_SETFLAGS = 0x40046602;
    /** _IOR('X', 31, struct fsxattr) and _IOW('X', 32, struct fsxattr): a 28-byte struct. */
    static final int FS_IOC_FSGETXATTR = 0x801c581f;
    static final int FS_IOC_FSSETXATTR = 0x401c5820;
    static final int FSXATTR_SIZE = 28;

    static final int ENOTTY = 25;

    private FileAttrIoctl() {
    }

    /** True for the commands that change the inode (its flags and ctime). */
    static boolean setsFlags(int cmd) {
        return cmd == FS_IOC_SETFLAGS || cmd == FS_IOC32_SETFLAGS || cmd == FS_IOC_FSSETXATTR;
    }

    /** Answers one ioctl on inode {@code ino}; a failure is thrown as an errno (ENOTTY for unknown commands). */
    static IoctlOut handle(WritableFileSystem fs, Caller caller, long ino, IoctlIn in) {
        switch (in.cmd()) {
            case FS_IOC_GETFLAGS, FS_IOC32_GETFLAGS -> {
                return new IoctlOut(0, intOut(fs.getflags(ino), in.outSize()));
            }
            case FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS -> {
                requireIn(in, 4);
                fs.setflags(caller, ino, le(in.in()).getInt(0));
                return new IoctlOut(0, new byte[in.outSize()]);
            }
            case FS_IOC_FSGETXATTR -> {
                requireOut(in, FSXATTR_SIZE);
                byte[] out = new byte[in.outSize()];
                le(out).putInt(0, FsXflags.of(fs.getflags(ino)));
                return new IoctlOut(0, out);
            }
            case FS_IOC_FSSETXATTR -> {
                requireIn(in, FSXATTR_SIZE);
                ByteBuffer x = le(in.in());
                if (x.getInt(4) != 0 || x.getInt(12) != 0 || x.getInt(16) != 0) {
                    // Extent size hints and project ids are not kept by ext4j.
                    throw new FuseDispatcher.ProtocolError(Errno.EOPNOTSUPP.code());
                }
                int old = fs.getflags(ino);
                fs.setflags(caller, ino, FsXflags.withXflags(old, x.getInt(0)));
                return new IoctlOut(0, new byte[in.outSize()]);
            }
            default -> throw new FuseDispatcher.ProtocolError(ENOTTY);
        }
    }

    private static byte[] intOut(int value, int outSize) {
        if (outSize < 4) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
        byte[] out = new byte[outSize];
        le(out).putInt(0, value);
        return out;
    }

    private static void requireIn(IoctlIn in, int size) {
        if (in.inSize() < size) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
    }

    private static void requireOut(IoctlIn in, int size) {
        if (in.outSize() < size) {
            throw new FuseDispatcher.ProtocolError(Errno.EINVAL.code());
        }
    }

    private static ByteBuffer le(byte[] b) {
        // ioctl arguments are in host order, like every FUSE struct.
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }
}
