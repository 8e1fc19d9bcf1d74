package org.ext4j.dist;

import java.util.EnumMap;
import java.util.Map;
import org.ext4j.core.spi.Errno;

/** The strerror(3) wording of each {@link Errno}, so messages read like those of the usual tools. */
public final class ErrnoText {
    private static final Map<Errno, String> TEXT = new EnumMap<>(Errno.class);

    static {
        TEXT.put(Errno.EPERM, "Operation not permitted");
        TEXT.put(Errno.ENOENT, "No such file or directory");
        TEXT.put(Errno.EIO, "Input/output error");
        TEXT.put(Errno.ENXIO, "No such device or address");
        TEXT.put(Errno.E2BIG, "Argument list too long");
        TEXT.put(Errno.EBADF, "Bad file descriptor");
        TEXT.put(Errno.EAGAIN, "Resource temporarily unavailable");
        TEXT.put(Errno.ENOMEM, "Cannot allocate memory");
        TEXT.put(Errno.EACCES, "Permission denied");
        TEXT.put(Errno.EFAULT, "Bad address");
        TEXT.put(Errno.EBUSY, "Device or resource busy");
        TEXT.put(Errno.EEXIST, "File exists");
        TEXT.put(Errno.EXDEV, "Invalid cross-device link");
        TEXT.put(Errno.ENODEV, "No such device");
        TEXT.put(Errno.ENOTDIR, "Not a directory");
        TEXT.put(Errno.EISDIR, "Is a directory");
        TEXT.put(Errno.EINVAL, "Invalid argument");
        TEXT.put(Errno.ENFILE, "Too many open files in system");
        TEXT.put(Errno.EMFILE, "Too many open files");
        TEXT.put(Errno.ETXTBSY, "Text file busy");
        TEXT.put(Errno.EFBIG, "File too large");
        TEXT.put(Errno.ENOSPC, "No space left on device");
        TEXT.put(Errno.ESPIPE, "Illegal seek");
        TEXT.put(Errno.EROFS, "Read-only file system");
        TEXT.put(Errno.EMLINK, "Too many links");
        TEXT.put(Errno.ERANGE, "Numerical result out of range");
        TEXT.put(Errno.ENAMETOOLONG, "File name too long");
        TEXT.put(Errno.ENOSYS, "Function not implemented");
        TEXT.put(Errno.ENOTEMPTY, "Directory not empty");
        TEXT.put(Errno.ELOOP, "Too many levels of symbolic links");
        TEXT.put(Errno.ENODATA, "No data available");
        TEXT.put(Errno.EOVERFLOW, "Value too large for defined data type");
        TEXT.put(Errno.EOPNOTSUPP, "Operation not supported");
        TEXT.put(Errno.ESTALE, "Stale file handle");
        TEXT.put(Errno.EUCLEAN, "Structure needs cleaning");
        TEXT.put(Errno.EDQUOT, "Disk quota exceeded");
    }

    private ErrnoText() {
    }

    /** The strerror text of {@code errno}. */
    public static String of(Errno errno) {
        return TEXT.getOrDefault(errno, errno.name());
    }
}
