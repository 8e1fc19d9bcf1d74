package org.ext4j.core.htree;

/**
 * The readdir cookie of an entry in an indexed directory: its name hash packed into a 64-bit
 * directory position, as the kernel's hash2pos, pos2maj_hash and pos2min_hash pack it for 64-bit
 * callers (major hash without its always-clear low bit in the high word, minor hash in the low
 * word). A position stays meaningful while leaves split, because it names a hash, not a place.
 */
public final class HashPosition {
    /** EXT4_HTREE_EOF_64BIT: the position after the last entry; no name hashes to it. */
    public static final long EOF = Long.MAX_VALUE;

    private HashPosition() {
    }

    /** The position of a name whose hash is ({@code major}, {@code minor}), both unsigned 32-bit. */
    public static long of(int major, int minor) {
        return (long) (major >>> 1) << 32 | (minor & 0xFFFFFFFFL);
    }

    /** The major hash a listing resumed at {@code pos} starts from. */
    public static int major(long pos) {
        return (int) (pos >>> 32) << 1;
    }

    /** The minor hash a listing resumed at {@code pos} starts from (within {@link #major}). */
    public static int minor(long pos) {
        return (int) pos;
    }

    /** Orders two hashes as the listing does: by major, then minor, both unsigned. */
    public static int compare(int major1, int minor1, int major2, int minor2) {
        int c = Integer.compareUnsigned(major1, major2);
        return c != 0 ? c : Integer.compareUnsigned(minor1, minor2);
    }
}
