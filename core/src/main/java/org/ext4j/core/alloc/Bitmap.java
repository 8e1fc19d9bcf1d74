package org.ext4j.core.alloc;

/** Bit operations on an ext4 bitmap block: bit {@code i} is bit {@code i % 8} of byte {@code i / 8} (little-endian bit order). */
public final class Bitmap {
    private Bitmap() {
    }

    public static boolean test(byte[] map, long bit) {
        return (map[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0;
    }

    public static void set(byte[] map, long bit) {
        map[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
    }

    public static void clear(byte[] map, long bit) {
        map[(int) (bit >>> 3)] &= (byte) ~(1 << (bit & 7));
    }

    /** Sets bits {@code from} (inclusive) to {@code to} (exclusive). */
    public static void setRange(byte[] map, long from, long to) {
        for (long b = from; b < to; b++) {
            set(map, b);
        }
    }

    /** The first clear bit in [{@code from}, {@code to}), or -1. Skips whole set bytes. */
    public static long nextClear(byte[] map, long from, long to) {
        long b = from;
        while (b < to) {
            if ((b & 7) == 0 && to - b >= 8 && map[(int) (b >>> 3)] == (byte) 0xFF) {
                b += 8;
                continue;
            }
            if (!test(map, b)) {
                return b;
            }
            b++;
        }
        return -1;
    }

    /** The first set bit in [{@code from}, {@code to}), or {@code to} when there is none. */
    public static long nextSet(byte[] map, long from, long to) {
        long b = from;
        while (b < to) {
            if ((b & 7) == 0 && to - b >= 8 && map[(int) (b >>> 3)] == 0) {
                b += 8;
                continue;
            }
            if (test(map, b)) {
                return b;
            }
            b++;
        }
        return to;
    }

    /** Number of set bits in [{@code from}, {@code to}). */
    public static long countSet(byte[] map, long from, long to) {
        long n = 0;
        for (long b = from; b < to; b++) {
            if (test(map, b)) {
                n++;
            }
        }
        return n;
    }
}
