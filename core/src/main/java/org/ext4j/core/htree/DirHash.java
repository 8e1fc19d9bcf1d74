package org.ext4j.core.htree;

import java.util.Objects;

/**
 * ext4's directory name hashes (legacy, half_md4 and tea, each with signed and unsigned name
 * bytes): the key by which an htree-indexed directory orders and finds its entries.
 *
 * <p>"Signed" and "unsigned" are how a name byte is widened before it is mixed in: filesystems
 * created on platforms whose C {@code char} is signed (x86) sign-extend bytes {@code >= 0x80}. The
 * superblock's {@code s_flags} record which one the filesystem uses; the dx_root stores only the
 * base version (0..2).
 */
public final class DirHash {
    /** {@code DX_HASH_LEGACY}: Daniel Phillips' original hash; no seed, no minor hash. */
    public static final int LEGACY = 0;
    /** {@code DX_HASH_HALF_MD4}: the default of mke2fs; a cut-down MD4 over 32-byte chunks. */
    public static final int HALF_MD4 = 1;
    /** {@code DX_HASH_TEA}: TEA in a Davies-Meyer construction over 16-byte chunks. */
    public static final int TEA = 2;
    public static final int LEGACY_UNSIGNED = 3;
    public static final int HALF_MD4_UNSIGNED = 4;
    public static final int TEA_UNSIGNED = 5;
    /**
     * {@code DX_HASH_SIPHASH}: used only by casefolded and encrypted directories, which store the
     * hash in the dirent; it is not computed from the name here.
     */
    public static final int SIPHASH = 6;

    /** How far an unsigned variant is from its signed base version. */
    public static final int UNSIGNED_DELTA = 3;

    /** {@code EXT4_HTREE_EOF_32BIT}: a major hash of this value shifted left by one is reserved. */
    public static final int HTREE_EOF_32BIT = 0x7fffffff;

    /** The MD4 initial state, used as the seed when the superblock's {@code s_hash_seed} is all zero. */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    /** Round constants of half MD4 (the MD4 constants sqrt(2) and sqrt(3) scaled by 2^30). */
    private static final int MD4_K2 = 0x5A827999;
    private static final int MD4_K3 = 0x6ED9EBA1;

    /** TEA's key schedule constant (the golden ratio scaled by 2^32). */
    private static final int TEA_DELTA = 0x9E3779B9;

    /** The legacy hash's start values and multiplier. */
    private static final int LEGACY_HASH0 = 0x12a3fe2d;
    private static final int LEGACY_HASH1 = 0x37abe8f9;
    private static final int LEGACY_MULTIPLIER = 7152373;

    private DirHash() {
    }

    /**
     * A name's hash pair. Both are unsigned 32-bit values held in an {@code int}: compare them with
     * {@link Integer#compareUnsigned}. {@code major} always has its low bit clear (the htree uses that
     * bit to mark a hash collision continuing into the next leaf).
     */
    public record NameHash(int major, int minor) {
    }

    /** Whether {@code version} is one this class computes (0..5). */
    public static boolean isSupported(int version) {
        return version >= LEGACY && version <= TEA_UNSIGNED;
    }

    /**
     * Hashes a whole name.
     *
     * @see #hash(byte[], int, int, int, int[])
     */
    public static NameHash hash(byte[] name, int version, int[] seed) {
        return hash(name, 0, name.length, version, seed);
    }

    /**
     * Hashes {@code len} name bytes starting at {@code off} with hash {@code version} (0..5).
     *
     * @param seed the superblock's four {@code s_hash_seed} words; {@code null} or all zero means
     *             the default seed. Ignored by the legacy hash.
     * @throws IllegalArgumentException for an unknown version (including {@link #SIPHASH})
     */
    public static NameHash hash(byte[] name, int off, int len, int version, int[] seed) {
        Objects.checkFromIndexSize(off, len, name.length);
        if (!isSupported(version)) {
            throw new IllegalArgumentException("directory hash version " + version + " is not supported");
        }
        boolean unsigned = version >= UNSIGNED_DELTA;
        int base = unsigned ? version - UNSIGNED_DELTA : version;
        int[] state = initialState(seed);
        int major;
        int minor;
        switch (base) {
            case LEGACY -> {
                major = legacyHash(name, off, len, unsigned);
                minor = 0;
            }
            case HALF_MD4 -> {
                int[] words = new int[8];
                for (int pos = 0; pos < len; pos += 32) {
                    packName(name, off + pos, len - pos, words, 8, unsigned);
                    halfMd4Transform(state, words);
                }
                major = state[1];
                minor = state[2];
            }
            default -> {
                int[] words = new int[4];
                for (int pos = 0; pos < len; pos += 16) {
                    packName(name, off + pos, len - pos, words, 4, unsigned);
                    teaTransform(state, words);
                }
                major = state[0];
                minor = state[1];
            }
        }
        major &= ~1;
        // The largest even value stands for "end of directory" in 32-bit readdir cookies.
        if (major == HTREE_EOF_32BIT << 1) {
            major = (HTREE_EOF_32BIT - 1) << 1;
        }
        return new NameHash(major, minor);
    }

    private static int[] initialState(int[] seed) {
        if (seed != null) {
            if (seed.length != 4) {
                throw new IllegalArgumentException("hash seed must have 4 words, has " + seed.length);
            }
            if ((seed[0] | seed[1] | seed[2] | seed[3]) != 0) {
                return seed.clone();
            }
        }
        return DEFAULT_SEED.clone();
    }

    private static int nameByte(byte[] name, int i, boolean unsigned) {
        return unsigned ? name[i] & 0xff : name[i];
    }

    /** The legacy hash: a shift-free mix of each byte into two running words, kept below 2^31. */
    private static int legacyHash(byte[] name, int off, int len, boolean unsigned) {
        int hash0 = LEGACY_HASH0;
        int hash1 = LEGACY_HASH1;
        for (int i = off; i < off + len; i++) {
            int next = hash1 + (hash0 ^ (nameByte(name, i, unsigned) * LEGACY_MULTIPLIER));
            if ((next & 0x80000000) != 0) {
                next -= 0x7fffffff;
            }
            hash1 = hash0;
            hash0 = next;
        }
        return hash0 << 1;
    }

    /**
     * Packs up to {@code count * 4} bytes of the remaining name into {@code count} big-endian-ish
     * words (each byte shifted in from the right), padding with a word derived from the remaining
     * length: that padding makes names that differ only in trailing length hash apart.
     */
    private static void packName(byte[] name, int off, int remaining, int[] words, int count, boolean unsigned) {
        int pad = remaining | remaining << 8;
        pad |= pad << 16;
        int take = Math.min(remaining, count * 4);
        int word = pad;
        int filled = 0;
        for (int i = 0; i < take; i++) {
            if (i % 4 == 0) {
                word = pad;
            }
            word = nameByte(name, off + i, unsigned) + (word << 8);
            if (i % 4 == 3) {
                words[filled++] = word;
                word = pad;
            }
        }
        // A partial last word keeps its pad prefix; the rest of the block is pure padding.
        if (filled < count) {
            words[filled++] = word;
        }
        while (filled < count) {
            words[filled++] = pad;
        }
    }

    /** Three rounds of MD4 (F, G, H) over eight words, folded into {@code state}. */
    private static void halfMd4Transform(int[] state, int[] in) {
        int a = state[0];
        int b = state[1];
        int c = state[2];
        int d = state[3];

        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);

        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + MD4_K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + MD4_K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + MD4_K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + MD4_K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + MD4_K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + MD4_K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + MD4_K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + MD4_K2, 13);

        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + MD4_K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + MD4_K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + MD4_K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + MD4_K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + MD4_K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + MD4_K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + MD4_K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + MD4_K3, 15);

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }

    /** MD4 selection: bits of y where x is set, of z elsewhere. */
    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    /** MD4 majority, in the additive form ext4 uses (equal to the bitwise majority). */
    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    /** MD4 parity. */
    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    /** Sixteen TEA cycles keyed by four name words, added into the first two state words. */
    private static void teaTransform(int[] state, int[] in) {
        int sum = 0;
        int b0 = state[0];
        int b1 = state[1];
        for (int cycle = 0; cycle < 16; cycle++) {
            sum += TEA_DELTA;
            b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >>> 5) + in[1]);
            b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >>> 5) + in[3]);
        }
        state[0] += b0;
        state[1] += b1;
    }
}
