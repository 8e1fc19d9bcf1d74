package org.ext4j.core.tx;

import java.util.Arrays;

import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;

/**
 * Reading and writing inodes inside a transaction: reads see the transaction's own changes,
 * writes place the record in its inode-table block with the checksum set. Every inode change of
 * the write path goes through here.
 */
public final class InodeStore {
    private InodeStore() {
    }

    /** Inode {@code ino} as {@code tx} sees it (its uncommitted changes included), verified. */
    public static Inode read(Transaction tx, long ino) {
        return tx.fileSystem().inode(ino, tx);
    }

    /**
     * Writes {@code raw} (inode_size bytes) as inode {@code ino}, setting i_checksum_lo/hi when
     * the filesystem has metadata_csum. The group's inode table must already be initialised
     * for this inode (the inode allocator does that).
     */
    public static void write(Transaction tx, long ino, byte[] raw) {
        DiskView fs = tx.fileSystem();
        if (raw.length != fs.superblock().inodeSize()) {
            throw new IllegalArgumentException("inode record must be " + fs.superblock().inodeSize() + " bytes");
        }
        DiskView.InodeLocation at = fs.inodeLocation(ino, tx);
        if (at.uninitialised()) {
            throw new CorruptionException(CorruptionException.Structure.INODE, ino, CorruptionException.NO_BLOCK, "inode " + ino + " is in use but its group's inode table is marked uninitialised");
        }
        byte[] record = Arrays.copyOf(raw, raw.length);
        if (fs.hasMetadataCsum()) {
            Inode view = new Inode(ino, record, fs.csumSeed());
            long csum = view.computeChecksum();
            LittleEndian.put16(record, Inode.I_CHECKSUM_LO, (int) csum);
            if (view.fitsInExtra(Inode.I_CHECKSUM_HI, 2)) {
                LittleEndian.put16(record, Inode.I_CHECKSUM_HI, (int) (csum >>> 16));
            }
        }
        byte[] block = tx.getWriteAccess(at.block(), BlockRole.INODE_TABLE);
        System.arraycopy(record, 0, block, at.offset(), record.length);
        tx.markDirty(at.block());
    }
}
