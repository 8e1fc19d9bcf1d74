package org.ext4j.core.journal;

/**
 * The big-endian (MSB-first) CRC32, polynomial 0x04C11DB7, without inversions: the kernel's
 * {@code crc32_be}, which only the v1 transaction checksum (COMPAT_CHECKSUM) uses.
 */
final class Crc32Be {
    private static final int POLY = 0x04C11DB7;
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ POLY : c << 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32Be() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ b[i]) & 0xff];
        }
        return crc;
    }
}
