package org.ext4j.core.xattr;

/**
 * One entry of an xattr table ({@code struct ext4_xattr_entry}), parsed and validated. A value
 * stored in the table itself is carried along; a value kept in an EA inode is read on demand
 * through {@link XattrReader#value}.
 */
public final class XattrEntry {
    /** Where the table holding this entry lives. */
    public enum Location { INODE_BODY, BLOCK }

    static final int E_NAME_LEN = 0x0;
    static final int E_NAME_INDEX = 0x1;
    static final int E_VALUE_OFFS = 0x2;
    static final int E_VALUE_INUM = 0x4;
    static final int E_VALUE_SIZE = 0x8;
    static final int E_HASH = 0xC;
    static final int E_NAME = 0x10;

    private final XattrName name;
    private final Location location;
    private final int valueOffs;
    private final long valueInum;
    private final long valueSize;
    private final int hash;
    private final byte[] value;

    XattrEntry(XattrName name, Location location, int valueOffs, long valueInum, long valueSize, int hash, byte[] value) {
        this.name = name;
        this.location = location;
        this.valueOffs = valueOffs;
        this.valueInum = valueInum;
        this.valueSize = valueSize;
        this.hash = hash;
        this.value = value;
    }

    public XattrName name() {
        return name;
    }

    /** Shorthand for {@code name().fullName()}. */
    public String fullName() {
        return name.fullName();
    }

    public Location location() {
        return location;
    }

    /** {@code e_value_offs}: from the first entry (inode body) or from the block start (block). */
    public int valueOffs() {
        return valueOffs;
    }

    /** {@code e_value_inum}: the EA inode holding the value, or 0 when the value is in the table. */
    public long valueInum() {
        return valueInum;
    }

    /** {@code e_value_size} in bytes. */
    public long valueSize() {
        return valueSize;
    }

    /** {@code e_hash} as stored (not verified). */
    public int hash() {
        return hash;
    }

    /** True when the value lives in an EA inode rather than in the table. */
    public boolean inEaInode() {
        return valueInum != 0;
    }

    /** A copy of the value held in the table, or null when it lives in an EA inode. */
    byte[] tableValue() {
        return value == null ? null : value.clone();
    }

    @Override
    public String toString() {
        return fullName() + " (" + valueSize + " bytes" + (valueInum != 0 ? " in inode " + valueInum : "") + ", " + location + ")";
    }
}
