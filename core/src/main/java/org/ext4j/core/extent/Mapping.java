package org.ext4j.core.extent;

/**
 * One run of a file's logical blocks and where it lives: {@code length} logical blocks starting at
 * {@code lblk}, stored from physical block {@code pblk} on (0 for a hole).
 *
 * @param lblk   first logical (file) block of the run
 * @param pblk   physical (filesystem) block holding {@code lblk}; 0 for {@link Kind#HOLE}
 * @param length number of blocks in the run, at least 1
 * @param kind   whether the run is a hole, written data, or allocated but unwritten
 */
public record Mapping(long lblk, long pblk, long length, Kind kind) {

    /** What a run of logical blocks is backed by. */
    public enum Kind {
        /** Nothing is allocated: reads as zeros. */
        HOLE,
        /** Allocated and written: the bytes are in the physical blocks. */
        MAPPED,
        /** Allocated by fallocate but never written (an uninit extent): reads as zeros. */
        UNWRITTEN
    }

    public Mapping {
        if (lblk < 0 || length < 1 || pblk < 0 || kind == null) {
            throw new IllegalArgumentException("bad mapping: lblk " + lblk + " pblk " + pblk + " length " + length + " " + kind);
        }
        if (kind == Kind.HOLE && pblk != 0) {
            throw new IllegalArgumentException("a hole has no physical block: " + pblk);
        }
    }

    /** A hole of {@code length} blocks starting at {@code lblk}. */
    public static Mapping hole(long lblk, long length) {
        return new Mapping(lblk, 0, length, Kind.HOLE);
    }

    /** The logical block just past this run. */
    public long lblkEnd() {
        return lblk + length;
    }

    /** True when the run has physical blocks behind it (written or unwritten). */
    public boolean isAllocated() {
        return kind != Kind.HOLE;
    }
}
