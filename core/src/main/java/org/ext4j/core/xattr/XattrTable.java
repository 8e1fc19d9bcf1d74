package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.s32;
import static org.ext4j.core.disk.LittleEndian.u16;
import static org.ext4j.core.disk.LittleEndian.u32;
import static org.ext4j.core.disk.LittleEndian.u8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.spi.CorruptionException;

/**
 * Parses the entry list shared by the in-inode area and the external block: entries packed from
 * a start offset up to a 4-zero-byte terminator, values packed from the other end. Both layouts
 * differ only in where the list starts and what value offsets are relative to.
 */
final class XattrTable {
    /** Entries and values are padded to this. */
    static final int PAD = 4;
    /** The kernel's bound on any value (EXT4_XATTR_SIZE_MAX); values in EA inodes go up to it. */
    static final long VALUE_SIZE_MAX = 1L << 24;

    private XattrTable() {
    }

    /** Size of an entry with a {@code nameLen}-byte name, padded. */
    static int entrySize(int nameLen) {
        return (XattrEntry.E_NAME + nameLen + PAD - 1) & ~(PAD - 1);
    }

    /** {@code n} rounded up to the padding of values and entries. */
    static int padded(int n) {
        return (n + PAD - 1) & ~(PAD - 1);
    }

    /**
     * Bytes {@code items} take in a table: entries, the 4-byte terminator and the padded values
     * held in the table. A table fits when this is at most the space from its first entry to its end.
     */
    static int spaceNeeded(List<XattrItem> items) {
        int n = 4;
        for (XattrItem i : items) {
            n += i.entrySpace() + i.valueSpace();
        }
        return n;
    }

    /**
     * Writes {@code items} as a table into {@code buf[first, end)}, which must be zero: entries from
     * {@code first} in list order, values packed down from {@code end} (the first entry's value
     * nearest the end), value offsets counted from {@code valueBase}.
     *
     * @param hashValues whether e_hash is computed for table values (the block) or left 0 (the
     *                   inode body, where the kernel does not keep it)
     * @return the e_hash written for each item, in order
     * @throws IllegalStateException when the items do not fit (callers check {@link #spaceNeeded} first)
     */
    static int[] encode(List<XattrItem> items, byte[] buf, int first, int end, int valueBase, boolean hashValues) {
        if (first + spaceNeeded(items) > end) {
            throw new IllegalStateException("xattr table of " + spaceNeeded(items) + " bytes does not fit " + (end - first));
        }
        int[] hashes = new int[items.size()];
        int entry = first;
        int valueEnd = end;
        for (int k = 0; k < items.size(); k++) {
            XattrItem item = items.get(k);
            byte[] suffix = item.name().suffix();
            int offs = 0;
            int hash = item.hash();
            if (!item.inEaInode()) {
                byte[] v = item.value();
                if (v.length > 0) {
                    valueEnd -= padded(v.length);
                    System.arraycopy(v, 0, buf, valueEnd, v.length);
                    offs = valueEnd - valueBase;
                }
                hash = hashValues ? XattrHash.entryHash(suffix, v) : 0;
            }
            buf[entry + XattrEntry.E_NAME_LEN] = (byte) suffix.length;
            buf[entry + XattrEntry.E_NAME_INDEX] = (byte) item.name().index();
            LittleEndian.put16(buf, entry + XattrEntry.E_VALUE_OFFS, offs);
            LittleEndian.put32(buf, entry + XattrEntry.E_VALUE_INUM, item.valueInum());
            LittleEndian.put32(buf, entry + XattrEntry.E_VALUE_SIZE, item.valueSize());
            LittleEndian.put32(buf, entry + XattrEntry.E_HASH, hash);
            System.arraycopy(suffix, 0, buf, entry + XattrEntry.E_NAME, suffix.length);
            hashes[k] = hash;
            entry += item.entrySpace();
        }
        return hashes;
    }

    /**
     * Parses the table in {@code buf[first, end)}.
     *
     * @param valueBase the offset in {@code buf} that {@code e_value_offs} counts from
     * @param eaInodes  whether the filesystem has the ea_inode feature (e_value_inum allowed)
     * @param maxInum   the highest inode number, for validating e_value_inum
     * @param where     names the table in error messages, e.g. "xattr block 1550 of inode 12"
     */
    static List<XattrEntry> parse(byte[] buf, int first, int end, int valueBase, XattrEntry.Location location,
                                  boolean eaInodes, long maxInum, String where) {
        if (!(0 <= first && first <= end && end <= buf.length && valueBase <= first)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, where + ": table bounds " + first + ".." + end + " are wrong");
        }
        // First pass: walk the names to find the terminator; every step moves forward by at least
        // 16 bytes, so the walk is bounded by the region size.
        List<int[]> headers = new ArrayList<>();
        int pos = first;
        while (true) {
            if (!(end - pos >= 4)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, where + ": entry list is not terminated (runs past offset " + end + ")");
            }
            if (s32(buf, pos) == 0) {
                break;
            }
            if (!(end - pos >= XattrEntry.E_NAME)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, where + ": entry at offset " + pos + " runs past the end");
            }
            int nameLen = u8(buf, pos + XattrEntry.E_NAME_LEN);
            int next = pos + entrySize(nameLen);
            if (!(next <= end - 4)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, where + ": name of entry at offset " + pos + " (" + nameLen
                    + " bytes) runs past the end");
            }
            headers.add(new int[] {pos, nameLen});
            pos = next;
        }
        int valuesMayStart = pos + 4;
        List<XattrEntry> entries = new ArrayList<>(headers.size());
        for (int[] h : headers) {
            entries.add(entry(buf, h[0], h[1], valuesMayStart, end, valueBase, location, eaInodes, maxInum, where));
        }
        return entries;
    }

    private static XattrEntry entry(byte[] buf, int pos, int nameLen, int valuesMayStart, int end, int valueBase,
                                    XattrEntry.Location location, boolean eaInodes, long maxInum, String where) {
        String at = where + ": entry at offset " + pos;
        int index = u8(buf, pos + XattrEntry.E_NAME_INDEX);
        int offs = u16(buf, pos + XattrEntry.E_VALUE_OFFS);
        long inum = u32(buf, pos + XattrEntry.E_VALUE_INUM);
        long size = u32(buf, pos + XattrEntry.E_VALUE_SIZE);
        int hash = s32(buf, pos + XattrEntry.E_HASH);
        byte[] name = Arrays.copyOfRange(buf, pos + XattrEntry.E_NAME, pos + XattrEntry.E_NAME + nameLen);
        for (byte b : name) {
            if (!(b != 0)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, at + ": name contains a NUL byte");
            }
        }
        // The ACL indexes store an empty name; every other entry needs one.
        if (!(nameLen > 0 || XattrNameIndex.isWholeName(index))) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, at + ": empty name with index " + index);
        }
        if (!(size <= VALUE_SIZE_MAX)) {
            throw new CorruptionException(CorruptionException.Structure.XATTR, at + ": value size " + size + " exceeds " + VALUE_SIZE_MAX);
        }
        XattrName xname = new XattrName(index, name);
        if (inum != 0) {
            if (!(eaInodes)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, inum, CorruptionException.NO_BLOCK, at + ": value in inode " + inum + " but the filesystem has no ea_inode feature");
            }
            if (!(inum != 2 && inum <= maxInum)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, inum, CorruptionException.NO_BLOCK, at + ": value inode " + inum + " is not a valid inode");
            }
            return new XattrEntry(xname, location, offs, inum, size, hash, null);
        }
        byte[] value = new byte[0];
        if (size != 0) {
            if (!(offs % PAD == 0)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, at + ": value offset " + offs + " is not 4-byte aligned");
            }
            long start = (long) valueBase + offs;
            long paddedEnd = start + ((size + PAD - 1) & ~(long) (PAD - 1));
            if (!(start >= valuesMayStart && paddedEnd <= end)) {
                throw new CorruptionException(CorruptionException.Structure.XATTR, at + ": value at offset " + offs + " of " + size + " bytes lies outside the value area ("
                    + (valuesMayStart - valueBase) + ".." + (end - valueBase) + ")");
            }
            value = Arrays.copyOfRange(buf, (int) start, (int) (start + size));
        }
        return new XattrEntry(xname, location, offs, 0, size, hash, value);
    }
}
