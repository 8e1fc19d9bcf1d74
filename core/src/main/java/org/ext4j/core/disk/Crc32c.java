package org.ext4j.core.disk;

/**
 * CRC32C (Castagnoli) as ext4 and jbd2 use it: the raw register update with an arbitrary starting
 * value and no final inversion ({@code crc32c_le} in the kernel). Callers chain calls by passing
 * the previous result; a structure's checksum usually starts from the filesystem's seed.
 */
public final class Crc32c {
    private static final int POLY = 0x82F63B78;
    private static final int[][] TABLES = new int[8][256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            TABLES[0][i] = c;
        }
        for (int i = 0; i < 256; i++) {
            for (int t = 1; t < 8; t++) {
                int prev = TABLES[t - 1][i];
                TABLES[t][i] = (prev >>> 8) ^ TABLES[0][prev & 0xff];
            }
        }
    }

    private Crc32c() {
    }

    /** The register value {@code ~0}, where ext4's superblock checksum and UUID seed start. */
    public static final int INITIAL = 0xFFFFFFFF;

    public static int update(int crc, byte[] b) {
        return update(crc, b, 0, b.length);
    }

    /** Below this length the table loop beats the intrinsic plus the register shift. */
    private static final int INTRINSIC_MIN = 128;
    private static final java.util.concurrent.ConcurrentHashMap<Integer, int[]> ZERO_SHIFTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Feeds {@code len} bytes into the register {@code crc}. Long inputs use the JDK's CRC32C
     * intrinsic, which starts from ~0: by linearity, crc(s, D) = crc(~0, D) ^ crc(s ^ ~0, zeros(len)),
     * and the second term is a fixed GF(2) matrix (cached per length) applied to s ^ ~0.
     */
    public static int update(int crc, byte[] b, int off, int len) {
        if (len < INTRINSIC_MIN) {
            return updateTable(crc, b, off, len);
        }
        java.util.zip.CRC32C intrinsic = new java.util.zip.CRC32C();
        intrinsic.update(b, off, len);
        int fromInitial = ~(int) intrinsic.getValue();
        int delta = crc ^ INITIAL;
        return delta == 0 ? fromInitial : fromInitial ^ apply(ZERO_SHIFTS.computeIfAbsent(len, Crc32c::zeroShift), delta);
    }

    /** The matrix (32 columns) that advances a register over {@code len} zero bytes. */
    private static int[] zeroShift(int len) {
        int[] oneByte = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            oneByte[bit] = updateZeros(1 << bit, 1);
        }
        int[] result = null;
        int[] power = oneByte;
        for (int n = len; n > 0; n >>>= 1) {
            if ((n & 1) != 0) {
                result = result == null ? power : compose(power, result);
            }
            if (n > 1) {
                power = compose(power, power);
            }
        }
        return result;
    }

    /** The matrix of applying {@code first} and then {@code second}. */
    private static int[] compose(int[] second, int[] first) {
        int[] out = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            out[bit] = apply(second, first[bit]);
        }
        return out;
    }

    private static int apply(int[] matrix, int vector) {
        int out = 0;
        for (int bit = 0; vector != 0; bit++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                out ^= matrix[bit];
            }
        }
        return out;
    }

    /** The table-driven register update (slicing-by-8), for any starting value. */
    static int updateTable(int crc, byte[] b, int off, int len) {
        int[] t0 = TABLES[0], t1 = TABLES[1], t2 = TABLES[2], t3 = TABLES[3];
        int[] t4 = TABLES[4], t5 = TABLES[5], t6 = TABLES[6], t7 = TABLES[7];
        int i = off;
        int end = off + len;
        while (end - i >= 8) {
            int lo = crc ^ ((b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24);
            crc = t7[lo & 0xff] ^ t6[(lo >>> 8) & 0xff] ^ t5[(lo >>> 16) & 0xff] ^ t4[lo >>> 24]
                    ^ t3[b[i + 4] & 0xff] ^ t2[b[i + 5] & 0xff] ^ t1[b[i + 6] & 0xff] ^ t0[b[i + 7] & 0xff];
            i += 8;
        }
        while (i < end) {
            crc = (crc >>> 8) ^ t0[(crc ^ b[i++]) & 0xff];
        }
        return crc;
    }

    /** Feeds the 4 little-endian bytes of {@code value}. */
    public static int updateLe32(int crc, long value) {
        for (int i = 0; i < 4; i++) {
            crc = (crc >>> 8) ^ TABLES[0][(crc ^ (int) (value >>> (8 * i))) & 0xff];
        }
        return crc;
    }

    /** Feeds {@code len} zero bytes. */
    public static int updateZeros(int crc, int len) {
        for (int i = 0; i < len; i++) {
            crc = (crc >>> 8) ^ TABLES[0][crc & 0xff];
        }
        return crc;
    }
}
