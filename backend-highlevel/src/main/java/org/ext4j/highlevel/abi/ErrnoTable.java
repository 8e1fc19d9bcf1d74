package org.ext4j.highlevel.abi;

import java.util.EnumMap;
import java.util.Map;
import org.ext4j.core.spi.Errno;

/**
 * The core's errors as one OS numbers them. The core speaks Linux numbers; a callback returns
 * the native negative errno, so every other OS needs its own table (FreeBSD has no ENODATA:
 * a missing xattr is ENOATTR 87; EAGAIN is 35, ENOSYS 78, and so on).
 */
public final class ErrnoTable {
    /** Linux: the core's own numbers. */
    public static final ErrnoTable LINUX = linux();

    /** FreeBSD (sys/sys/errno.h). */
    public static final ErrnoTable FREEBSD = freebsd();

    private final Map<Errno, Integer> codes;

    private ErrnoTable(Map<Errno, Integer> codes) {
        for (Errno e : Errno.values()) {
            if (!codes.containsKey(e)) {
                throw new IllegalArgumentException("no native number for " + e);
            }
        }
        this.codes = codes;
    }

    /**
     * A table for another OS: {@code codes} must give every {@link Errno} its native number.
     *
     * @throws IllegalArgumentException naming the first errno without a number
     */
    public static ErrnoTable of(Map<Errno, Integer> codes) {
        return new ErrnoTable(new EnumMap<>(codes));
    }

    /** The positive native errno for {@code errno}. */
    public int code(Errno errno) {
        return codes.get(errno);
    }

    private static ErrnoTable linux() {
        Map<Errno, Integer> m = new EnumMap<>(Errno.class);
        for (Errno e : Errno.values()) {
            m.put(e, e.code());
        }
        return new ErrnoTable(m);
    }

    private static ErrnoTable freebsd() {
        Map<Errno, Integer> m = new EnumMap<>(Errno.class);
        // The first 34 numbers are the historic UNIX ones on both systems, except EAGAIN.
        for (Errno e : Errno.values()) {
            if (e.code() <= 34) {
                m.put(e, e.code());
            }
        }
        m.put(Errno.EAGAIN, 35);
        m.put(Errno.ENAMETOOLONG, 63);
        m.put(Errno.ENOSYS, 78);
        m.put(Errno.ENOTEMPTY, 66);
        m.put(Errno.ELOOP, 62);
        m.put(Errno.ENODATA, 87); // ENOATTR: FreeBSD has no ENODATA for extended attributes
        m.put(Errno.EOVERFLOW, 84);
        m.put(Errno.EOPNOTSUPP, 45);
        m.put(Errno.ESTALE, 70);
        m.put(Errno.EUCLEAN, 97); // EINTEGRITY
        m.put(Errno.EDQUOT, 69);
        return new ErrnoTable(m);
    }
}
