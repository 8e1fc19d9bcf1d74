package org.ext4j.core.spi;

/** A point in time as ext4 stores it: seconds since the epoch (34 bits with the extra epoch) and nanoseconds. */
public record Timestamp(long seconds, int nanos) {
    public static final Timestamp EPOCH = new Timestamp(0, 0);

    public Timestamp {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
        }
    }

    /**
     * Decodes a 32-bit time field and, when present, its _extra word: the low two bits extend
     * the signed seconds by multiples of 2^32, the upper 30 bits are nanoseconds.
     */
    public static Timestamp decode(int time, long extra, boolean hasExtra) {
        if (!hasExtra) {
            return new Timestamp(time, 0);
        }
        long seconds = (long) time + ((extra & 3L) << 32);
        int nanos = (int) ((extra >>> 2) & 0x3FFFFFFF);
        // A hostile image can store more than 999 999 999 nanoseconds; clamp rather than fail a stat.
        return new Timestamp(seconds, Math.min(nanos, 999_999_999));
    }
}
