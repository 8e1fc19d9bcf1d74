package org.ext4j.highlevel.abi;

/**
 * Translates a native bit set into the Linux values the core expects: each pair maps one native
 * bit (or bit group, such as the access mode) to the core's. Bits without a pair are dropped; a
 * pair whose core value is 0 marks native bits as known but meaningless to the core (macOS's
 * XATTR_NOFOLLOW, which the kernel has already acted on).
 */
public final class FlagTable {
    private final int[] nativeMasks;
    private final int[] nativeValues;
    private final int[] coreValues;

    private FlagTable(int[] nativeMasks, int[] nativeValues, int[] coreValues) {
        this.nativeMasks = nativeMasks;
        this.nativeValues = nativeValues;
        this.coreValues = coreValues;
    }

    /** Native value {@code v} under mask {@code m} means core value {@code c}: triples (m, v, c). */
    public static FlagTable of(int... triples) {
        if (triples.length % 3 != 0) {
            throw new IllegalArgumentException("triples of mask, native value, core value");
        }
        int n = triples.length / 3;
        int[] m = new int[n];
        int[] v = new int[n];
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            m[i] = triples[3 * i];
            v[i] = triples[3 * i + 1];
            c[i] = triples[3 * i + 2];
        }
        return new FlagTable(m, v, c);
    }

    /** The core's flags for native flags {@code flags}. */
    public int toCore(int flags) {
        int out = 0;
        for (int i = 0; i < nativeMasks.length; i++) {
            if ((flags & nativeMasks[i]) == nativeValues[i]) {
                out |= coreValues[i];
            }
        }
        return out;
    }

    /**
     * The native bits for the core's {@code coreFlags}, the reverse way: each core bit goes to the
     * first pair that names it alone (so a table lists the preferred native spelling first). Core
     * bits no pair names are dropped.
     */
    public int toNative(int coreFlags) {
        int out = 0;
        int done = 0;
        for (int i = 0; i < nativeMasks.length; i++) {
            int core = coreValues[i];
            if (core != 0 && Integer.bitCount(core) == 1 && (coreFlags & core) != 0 && (done & core) == 0) {
                out |= nativeValues[i];
                done |= core;
            }
        }
        return out;
    }

    /** The core bits some pair produces (what {@link #toNative} can carry back). */
    public int coreBits() {
        int bits = 0;
        for (int c : coreValues) {
            bits |= c;
        }
        return bits;
    }

    /** True when {@code flags} has a bit no pair covers (the caller may refuse it). */
    public boolean hasUnknown(int flags) {
        int known = 0;
        for (int m : nativeMasks) {
            known |= m;
        }
        return (flags & ~known) != 0;
    }
}
