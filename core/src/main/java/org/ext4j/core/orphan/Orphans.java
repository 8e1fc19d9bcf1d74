package org.ext4j.core.orphan;

import org.ext4j.core.alloc.SuperblockEditor;
import org.ext4j.core.disk.Features;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.tx.Transaction;

/**
 * Where an open filesystem records its orphans, as ext4_orphan_add and ext4_orphan_del choose:
 * a slot of the orphan file when the image has one with room, else the head of the classic
 * list. Both take an orphan off in constant time (see {@link OrphanFile} and
 * {@link OrphanList}), so closing or forgetting thousands of unlinked files, and the unmount
 * that frees those still open, costs time in proportion to their number.
 */
public final class Orphans {
    private final OrphanList list;
    private final OrphanFile file;
    private final SuperblockEditor superblock;

    public Orphans(DiskView fs) {
        this.list = new OrphanList(fs);
        this.file = new OrphanFile(fs);
        this.superblock = new SuperblockEditor(fs.superblock());
    }

    /** Records inode {@code ino} as an orphan in {@code tx}: the orphan file first, the list when it is full. */
    public void add(Transaction tx, long ino) {
        if (!file.add(tx, ino)) {
            list.add(tx, ino);
        }
    }

    /** Takes inode {@code ino} off whichever record holds it, in {@code tx}. */
    public void remove(Transaction tx, long ino) {
        if (!file.remove(tx, ino)) {
            list.remove(tx, ino);
        }
    }

    /**
     * Clears orphan_present in {@code tx} when it is set and the orphan file holds nothing, as the
     * kernel does at a clean unmount; nothing happens otherwise.
     */
    public void clearPresentIfEmpty(Transaction tx) {
        if ((superblock.roCompat(tx) & Features.RO_COMPAT_ORPHAN_PRESENT) != 0 && file.isEmpty(tx)) {
            superblock.clearRoCompat(tx, Features.RO_COMPAT_ORPHAN_PRESENT);
        }
    }
}
