package org.ext4j.core.extent;

/** Argument checks and range arithmetic shared by the {@link BlockMap} implementations. */
final class MapBounds {
    private MapBounds() {
    }

    /** Rejects a negative block or an empty request before any lookup starts. */
    static void check(long lblk, long maxLen) {
        if (lblk < 0 || maxLen < 1) {
            throw new IllegalArgumentException("map(" + lblk + ", " + maxLen + "): lblk must be >= 0 and maxLen >= 1");
        }
    }

    /** {@code lblk + maxLen}, saturated so that a huge {@code maxLen} does not overflow. */
    static long limit(long lblk, long maxLen) {
        long end = lblk + maxLen;
        return end < lblk ? Long.MAX_VALUE : end;
    }
}
