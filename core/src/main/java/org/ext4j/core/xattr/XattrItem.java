package org.ext4j.core.xattr;

import java.util.Arrays;

/**
 * One xattr as the writer edits it: the name, and either the value held in the table or the EA
 * inode an existing entry points to (kept untouched: this writer does not create or drop EA inodes).
 *
 * @param name       index and stored name bytes
 * @param value      the value stored in the table, or null when it lives in an EA inode
 * @param valueInum  e_value_inum, 0 for a value in the table
 * @param valueSize  e_value_size
 * @param hash       e_hash to write for an EA-inode value (table values are hashed when encoded)
 */
record XattrItem(XattrName name, byte[] value, long valueInum, long valueSize, int hash) {

    /** An item whose value lives in the table. */
    static XattrItem of(XattrName name, byte[] value) {
        return new XattrItem(name, value.clone(), 0, value.length, 0);
    }

    /** The item an entry read from disk stands for. */
    static XattrItem from(XattrEntry e) {
        return new XattrItem(e.name(), e.inEaInode() ? null : e.tableValue(), e.valueInum(), e.valueSize(), e.hash());
    }

    boolean inEaInode() {
        return valueInum != 0;
    }

    /** Bytes the value takes in the table's value area (padded), 0 for an EA-inode value. */
    int valueSpace() {
        return inEaInode() ? 0 : XattrTable.padded(value.length);
    }

    /** Bytes the entry header and name take. */
    int entrySpace() {
        return XattrTable.entrySize(name.suffixLength());
    }

    /** True when this item holds exactly {@code v} in the table. */
    boolean hasValue(byte[] v) {
        return !inEaInode() && Arrays.equals(value, v);
    }
}
