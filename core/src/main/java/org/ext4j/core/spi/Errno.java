package org.ext4j.core.spi;

/** The errors a filesystem operation can end in, with their Linux numbers (what FUSE replies carry). */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13),
    EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22),
    ENFILE(23), EMFILE(24), ETXTBSY(26), EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), EMLINK(31),
    ERANGE(34), ENAMETOOLONG(36), ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENODATA(61), EOVERFLOW(75),
    EOPNOTSUPP(95), ESTALE(116),
    /** What the kernel calls EFSCORRUPTED: the on-disk structures are inconsistent. */
    EUCLEAN(117),
    EDQUOT(122);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /**
     * True for the errnos that are ordinary answers to a well-formed request (a missing name, an
     * existing one, a refused permission, no such xattr...), as opposed to failures of the
     * filesystem or the device. Lookups of missing names and xattrs are a large share of all
     * requests, so their exceptions carry no stack trace (see {@link Ext4Exception}).
     */
    public boolean isAnswer() {
        switch (this) {
            case EPERM: case ENOENT: case EACCES: case EEXIST: case EXDEV: case ENOTDIR: case EISDIR:
            case ERANGE: case ENAMETOOLONG: case ENOTEMPTY: case ENODATA: case EOPNOTSUPP: case ELOOP:
            case EMLINK: case ESPIPE:
                return true;
            default:
                return false;
        }
    }

    /** The positive Linux errno value. */
    public int code() {
        return code;
    }
}
