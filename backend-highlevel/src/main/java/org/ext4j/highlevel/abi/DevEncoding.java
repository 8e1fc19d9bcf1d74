package org.ext4j.highlevel.abi;

/** How an OS packs a device's major and minor numbers into a dev_t. */
public interface DevEncoding {
    long encode(int major, int minor);

    int major(long dev);

    int minor(long dev);

    /** glibc's gnu_dev_makedev: 12+20 bits of major, 8+12+... of minor, spread over 64 bits. */
    DevEncoding LINUX = new DevEncoding() {
        @Override
        public long encode(int major, int minor) {
            long maj = Integer.toUnsignedLong(major);
            long min = Integer.toUnsignedLong(minor);
            return ((maj & 0xFFFL) << 8) | ((maj & ~0xFFFL) << 32) | (min & 0xFFL) | ((min & ~0xFFL) << 12);
        }

        @Override
        public int major(long dev) {
            return (int) (((dev >>> 8) & 0xFFFL) | ((dev >>> 32) & ~0xFFFL));
        }

        @Override
        public int minor(long dev) {
            return (int) ((dev & 0xFFL) | ((dev >>> 12) & ~0xFFL));
        }
    };

    /** FreeBSD 12+ (sys/types.h makedev with 64-bit dev_t). */
    DevEncoding FREEBSD = new DevEncoding() {
        @Override
        public long encode(int major, int minor) {
            long maj = Integer.toUnsignedLong(major);
            long min = Integer.toUnsignedLong(minor);
            return ((maj & 0xFFFF_FF00L) << 32) | ((maj & 0xFFL) << 8) | ((min & 0xFF00L) << 24) | (min & 0xFFFF_00FFL);
        }

        @Override
        public int major(long dev) {
            return (int) (((dev >>> 32) & 0xFFFF_FF00L) | ((dev >>> 8) & 0xFFL));
        }

        @Override
        public int minor(long dev) {
            return (int) (((dev >>> 24) & 0xFF00L) | (dev & 0xFFFF_00FFL));
        }
    };
}
