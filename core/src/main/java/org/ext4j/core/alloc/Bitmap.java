package org.ext4j.core.alloc;

/** Bit operations on an ext4 bitmap block: bit {@code i} is bit {@code i % 8} of byte {@code i / 8} (little-endian bit order). */
public final class Bitmap {
    /** Bit b lives in byte b / 8 at bit b % 8, so a little-endian 64-bit word holds bits 64k..64k+63 in order. */
    private static final java.lang.invoke.VarHandle WORDS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

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
            if ((b & 63) == 0 && to - b >= 64) {
                long w = (long) WORDS.get(map, (int) (b >>> 3));
                if (w == -1L) {
                    b += 64;
                    continue;
                }
                return b + Long.numberOfTrailingZeros(~w);
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
            if ((b & 63) == 0 && to - b >= 64) {
                long w = (long) WORDS.get(map, (int) (b >>> 3));
                if (w == 0) {
                    b += 64;
                    continue;
                }
                return b + Long.numberOfTrailingZeros(w);
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
