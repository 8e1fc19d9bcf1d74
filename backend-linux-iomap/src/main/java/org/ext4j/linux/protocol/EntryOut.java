package org.ext4j.linux.protocol;

/**
 * {@code struct fuse_entry_out} (128 bytes): the answer to LOOKUP (and the head of each
 * READDIRPLUS record). A zero {@code nodeId} is a negative entry cached for {@code entryValid}.
 */
public record EntryOut(long nodeId, long generation, long entryValid, long attrValid, int entryValidNsec,
        int attrValidNsec, FuseAttr attr) implements OutStruct {

    public static final int SIZE = 40 + FuseAttr.SIZE;

    /** "No such name", remembered by the kernel for {@code validSeconds}. */
    public static EntryOut negative(long validSeconds) {
        return new EntryOut(0, 0, validSeconds, 0, 0, 0, new FuseAttr(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        w.u64(nodeId).u64(generation).u64(entryValid).u64(attrValid).u32(entryValidNsec).u32(attrValidNsec);
        attr.writeTo(w);
    }
}
