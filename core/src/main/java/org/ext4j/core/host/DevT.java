package org.ext4j.core.host;

import java.util.Optional;

/**
 * How an OS packs a device's major and minor numbers into a dev_t, as the JDK's
 * {@code unix:dev} and {@code unix:rdev} attributes return it, as /proc shows it on Linux, and as
 * a FUSE library passes it in stat and mknod. The one place ext4j knows these encodings. Facts
 * from each system's headers: glibc's gnu_dev_makedev, FreeBSD 12's sys/types.h (64-bit dev_t),
 * macOS's sys/types.h (32-bit dev_t, 8 bits of major), Cygwin's sys/sysmacros.h (32-bit dev_t,
 * 16 bits each), which WinFsp's FUSE API follows.
 */
public enum DevT {
    /** glibc: 12 + 20 bits of major and 8 + 24 of minor, interleaved over 64 bits. */
    LINUX {
        @Override
        public long major(long dev) {
            return ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & ~0xfffL);
        }

        @Override
        public long minor(long dev) {
            return (dev & 0xffL) | ((dev >>> 12) & 0xffff_ff00L);
        }

        @Override
        public long encode(long major, long minor) {
            return ((major & 0xfffL) << 8) | ((major & 0xffff_f000L) << 32) | (minor & 0xffL) | ((minor & 0xffff_ff00L) << 12);
        }
    },
    /** FreeBSD 12 and later. */
    FREEBSD {
        @Override
        public long major(long dev) {
            return ((dev >>> 32) & 0xffff_ff00L) | ((dev >>> 8) & 0xffL);
        }

        @Override
        public long minor(long dev) {
            return ((dev >>> 24) & 0xff00L) | (dev & 0xffff_00ffL);
        }

        @Override
        public long encode(long major, long minor) {
            return ((major & 0xffff_ff00L) << 32) | ((major & 0xffL) << 8) | ((minor & 0xff00L) << 24)
                    | (minor & 0xffff_00ffL);
        }
    },
    /** macOS: major in the top 8 bits of 32, minor in the low 24. */
    MACOS {
        @Override
        public long major(long dev) {
            return (dev >>> 24) & 0xffL;
        }

        @Override
        public long minor(long dev) {
            return dev & 0xff_ffffL;
        }

        @Override
        public long encode(long major, long minor) {
            return ((major & 0xffL) << 24) | (minor & 0xff_ffffL);
        }
    },
    /**
     * Cygwin: major in the high 16 bits of 32, minor in the low 16. Not a host the JDK reports a
     * dev_t on (see {@link #of}): WinFsp's FUSE layer, whose fuse_dev_t follows Cygwin's types,
     * passes device numbers this way on Windows.
     */
    CYGWIN {
        @Override
        public long major(long dev) {
            return (dev >>> 16) & 0xffffL;
        }

        @Override
        public long minor(long dev) {
            return dev & 0xffffL;
        }

        @Override
        public long encode(long major, long minor) {
            return ((major & 0xffffL) << 16) | (minor & 0xffffL);
        }
    };

    /** The major number of {@code dev}. */
    public abstract long major(long dev);

    /** The minor number of {@code dev}. */
    public abstract long minor(long dev);

    /** The dev_t of {@code major} and {@code minor}. */
    public abstract long encode(long major, long minor);

    /**
     * The encoding of the JDK's {@code unix:rdev} on {@code os}; empty where the JDK has no dev_t
     * (Windows: {@link #CYGWIN} is a FUSE library's encoding there, not the host's).
     */
    public static Optional<DevT> of(HostOs os) {
        return switch (os) {
            case LINUX -> Optional.of(LINUX);
            case FREEBSD -> Optional.of(FREEBSD);
            case MACOS -> Optional.of(MACOS);
            case WINDOWS, OTHER -> Optional.empty();
        };
    }
}
