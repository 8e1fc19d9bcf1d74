package org.ext4j.linux.protocol;

/** The answer to CREATE and TMPFILE: a {@code fuse_entry_out} then a {@code fuse_open_out} (144 bytes). */
public record CreateOut(EntryOut entry, OpenOut open) implements OutStruct {
    public static final int SIZE = EntryOut.SIZE + OpenOut.SIZE;

    @Override
    public int wireSize() {
        return SIZE;
    }

    @Override
    public void writeTo(WireWriter w) {
        entry.writeTo(w);
        open.writeTo(w);
    }
}
