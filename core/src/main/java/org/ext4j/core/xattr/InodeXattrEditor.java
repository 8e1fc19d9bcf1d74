package org.ext4j.core.xattr;

import static org.ext4j.core.disk.LittleEndian.u16;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;

/**
 * The xattr table in one inode's body as an editable list, written back into an inode record.
 * Used by {@link XattrWriter} and by the inline-data writer, which keeps {@code system.data} here
 * and must change it in the same record as {@code i_block}. Entries keep their order (the kernel
 * does not sort the in-inode table); a new entry goes last.
 */
public final class InodeXattrEditor {
    private final long ino;
    private final int start;
    private final int end;
    private final List<XattrItem> items;

    private InodeXattrEditor(long ino, int start, int end, List<XattrItem> items) {
        this.ino = ino;
        this.start = start;
        this.end = end;
        this.items = items;
    }

    /** The in-inode table of {@code inode} (validated by the read path). */
    public static InodeXattrEditor of(DiskView fs, Inode inode) {
        boolean eaInodes = fs.superblock().hasIncompat(Features.INCOMPAT_EA_INODE);
        List<XattrItem> items = new ArrayList<>();
        for (XattrEntry e : InodeXattrs.read(inode, eaInodes, fs.superblock().inodesCount())) {
            items.add(XattrItem.from(e));
        }
        byte[] raw = inode.raw();
        int start = Superblock.GOOD_OLD_INODE_SIZE + inode.extraIsize();
        return new InodeXattrEditor(inode.ino(), start, raw.length, items);
    }

    /**
     * True when the inode has room for an in-inode table at all: a large inode with space for the
     * header and the terminator after i_extra_isize (never for 128-byte inodes).
     */
    public boolean hasSpace() {
        return end > Superblock.GOOD_OLD_INODE_SIZE && start + InodeXattrs.IBODY_HEADER_SIZE + 4 <= end;
    }

    /** The value of {@code name} held in the table; empty when absent or kept in an EA inode. */
    public Optional<byte[]> value(XattrName name) {
        int k = indexOf(name);
        return k >= 0 && !items.get(k).inEaInode() ? Optional.of(items.get(k).value().clone()) : Optional.empty();
    }

    /** True when the table has an entry named {@code name}. */
    public boolean contains(XattrName name) {
        return indexOf(name) >= 0;
    }

    /** True when the entry named {@code name} keeps its value in an EA inode. */
    boolean inEaInode(XattrName name) {
        int k = indexOf(name);
        return k >= 0 && items.get(k).inEaInode();
    }

    /**
     * The largest value {@code name} could take here, replacing its current value: the free
     * space plus what the entry uses now, less its entry header, rounded down to the 4-byte
     * padding. 0 when the inode has no in-inode space or not even the entry fits.
     */
    public int maxValueSize(XattrName name) {
        if (!hasSpace()) {
            return 0;
        }
        List<XattrItem> others = new ArrayList<>(items);
        int k = indexOf(name);
        if (k >= 0) {
            others.remove(k);
        }
        int room = capacity() - XattrTable.spaceNeeded(others) - XattrTable.entrySize(name.suffixLength());
        return room <= 0 ? 0 : room & ~(XattrTable.PAD - 1);
    }

    /**
     * Sets {@code name} to {@code value} (replacing in place or appending); returns false and
     * changes nothing when the table would not fit or the inode has no in-inode space.
     */
    public boolean put(XattrName name, byte[] value) {
        if (!hasSpace()) {
            return false;
        }
        List<XattrItem> next = new ArrayList<>(items);
        int k = indexOf(name);
        if (k >= 0) {
            next.set(k, XattrItem.of(name, value));
        } else {
            next.add(XattrItem.of(name, value));
        }
        if (XattrTable.spaceNeeded(next) > capacity()) {
            return false;
        }
        items.clear();
        items.addAll(next);
        return true;
    }

    /** Removes {@code name}; false when it was absent. */
    public boolean remove(XattrName name) {
        int k = indexOf(name);
        if (k < 0) {
            return false;
        }
        items.remove(k);
        return true;
    }

    /** True when the table holds no entry. */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    /**
     * Writes the table into {@code raw}, the record of the same inode: the area after
     * i_extra_isize is rewritten whole; with no entries the magic is cleared, as the kernel does.
     */
    public void encodeInto(byte[] raw) {
        if (raw.length != end || (end > Superblock.GOOD_OLD_INODE_SIZE
                && Superblock.GOOD_OLD_INODE_SIZE + u16(raw, Inode.I_EXTRA_ISIZE) != start)) {
            throw new IllegalArgumentException("inode record of inode " + ino + " does not match the table's layout");
        }
        if (!hasSpace()) {
            if (!items.isEmpty()) {
                throw new IllegalStateException("inode " + ino + " has no in-inode xattr space");
            }
            return;
        }
        Arrays.fill(raw, start, end, (byte) 0);
        if (items.isEmpty()) {
            return;
        }
        LittleEndian.put32(raw, start, XattrBlock.MAGIC);
        int first = start + InodeXattrs.IBODY_HEADER_SIZE;
        XattrTable.encode(items, raw, first, end, first, false);
    }

    List<XattrItem> items() {
        return items;
    }

    private int capacity() {
        return end - start - InodeXattrs.IBODY_HEADER_SIZE;
    }

    private int indexOf(XattrName name) {
        for (int k = 0; k < items.size(); k++) {
            if (items.get(k).name().equals(name)) {
                return k;
            }
        }
        return -1;
    }
}
