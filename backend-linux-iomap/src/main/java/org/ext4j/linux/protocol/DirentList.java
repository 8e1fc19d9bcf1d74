package org.ext4j.linux.protocol;

/**
 * The payload of READDIR ({@code struct fuse_dirent} records: u64 ino, u64 off, u32 namelen,
 * u32 type, name, padded to 8 bytes) or of READDIRPLUS (each record preceded by a
 * {@code fuse_entry_out}), filled until the kernel's buffer size would be exceeded.
 */
public final class DirentList implements OutStruct {
    /** {@code FUSE_NAME_OFFSET}: where the name starts in a fuse_dirent. */
    public static final int NAME_OFFSET = 24;

    private final WireWriter out;
    private final int capacity;
    private final boolean plus;
    private int count;

    /** A list of at most {@code capacity} bytes; {@code plus} selects fuse_direntplus records. */
    public DirentList(int capacity, boolean plus) {
        this.out = new WireWriter(capacity);
        this.capacity = capacity;
        this.plus = plus;
    }

    /** Bytes one record takes. */
    public static int recordSize(int nameLength, boolean plus) {
        return Wire.align8((plus ? EntryOut.SIZE : 0) + NAME_OFFSET + nameLength);
    }

    /** True when a record with a name of {@code nameLength} bytes still fits. */
    public boolean fits(int nameLength) {
        return out.position() + recordSize(nameLength, plus) <= capacity;
    }

    /**
     * Appends one record.
     *
     * @param entry   the entry part for READDIRPLUS (ignored, may be null, for READDIR)
     * @param ino     the inode number readdir(3) reports ({@code d_ino})
     * @param off     the cookie that resumes the listing after this entry
     * @param type    the {@code d_type} value (DT_DIR 4, DT_REG 8, ...)
     * @throws IllegalStateException when it does not fit (check {@link #fits} first)
     */
    public void add(EntryOut entry, long ino, long off, int type, byte[] name) {
        if (!fits(name.length)) {
            throw new IllegalStateException("dirent of " + name.length + " bytes does not fit");
        }
        if (plus) {
            entry.writeTo(out);
        }
        out.u64(ino).u64(off).u32(name.length).u32(type).bytes(name, 0, name.length).align8();
        count++;
    }

    /** Records added so far. */
    public int count() {
        return count;
    }

    @Override
    public int wireSize() {
        return out.position();
    }

    @Override
    public void writeTo(WireWriter w) {
        byte[] bytes = out.toByteArray();
        w.bytes(bytes, 0, bytes.length);
    }
}
