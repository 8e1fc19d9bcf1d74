package org.ext4j.core.orphan;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.tx.BlockReader;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * The orphan_file feature's inode (s_orphan_file_inum): whole blocks of 32-bit orphan inode
 * numbers (0: free slot), each block ending in an 8-byte tail of ob_magic and ob_checksum. The
 * checksum is crc32c from the orphan file inode's own seed (fs seed, its number, its
 * generation) over the block's physical number (64 bits) and then the slots. ext4j reads the
 * slots and clears them after recovery; new orphans go to the classic {@link OrphanList},
 * which the kernel and e2fsck accept beside the orphan file.
 */
public final class OrphanFile {
    /** ob_magic of every orphan file block. */
    public static final long EXT4_ORPHAN_BLOCK_MAGIC = 0x0b10ca04L;
    /** The tail: ob_magic at blocksize-8, ob_checksum at blocksize-4. */
    private static final int TAIL_SIZE = 8;

    /** One used slot: the block that holds it, its index in the block and the orphan's number. */
    public record Slot(long pblk, int index, long ino) {
    }

    private final Ext4FileSystem fs;
    private final Superblock sb;
    private final int slotsPerBlock;

    public OrphanFile(Ext4FileSystem fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.slotsPerBlock = (fs.blockSize() - TAIL_SIZE) / 4;
    }

    /** True when the filesystem has an orphan file (COMPAT orphan_file). */
    public boolean exists() {
        return sb.hasCompat(Features.COMPAT_ORPHAN_FILE);
    }

    /**
     * Every used slot, in block and slot order, after checking the orphan file inode (an
     * ordinary inode number, a regular file of whole mapped blocks) and each block's magic and,
     * with metadata_csum, checksum: the checks the kernel's ext4_init_orphan_info makes at mount.
     * A slot naming an inode outside s_first_ino..s_inodes_count is a CorruptionException.
     */
    public List<Slot> slots(BlockReader src) {
        List<Slot> out = new ArrayList<>();
        if (!exists()) {
            return out;
        }
        Inode file = orphanInode(src);
        BlockMap map = BlockMap.of(fs, file);
        long blocks = file.size() / fs.blockSize();
        for (long lblk = 0; lblk < blocks; lblk++) {
            long pblk = physical(map, file.ino(), lblk);
            byte[] block = src.read(pblk);
            verify(file, lblk, pblk, block);
            for (int i = 0; i < slotsPerBlock; i++) {
                long ino = LittleEndian.u32(block, 4 * i);
                if (ino == 0) {
                    continue;
                }
                if (ino < sb.firstIno() || ino > sb.inodesCount()) {
                    throw new CorruptionException("orphan file inode " + file.ino() + ", block " + lblk + " slot " + i
                            + ": inode " + ino + " is outside " + sb.firstIno() + ".." + sb.inodesCount());
                }
                out.add(new Slot(pblk, i, ino));
            }
        }
        return out;
    }

    /** Empties {@code slot} and brings its block's checksum up to date. */
    public void clear(Transaction tx, Slot slot) {
        Inode file = orphanInode(tx);
        byte[] block = tx.getWriteAccess(slot.pblk(), BlockRole.METADATA);
        LittleEndian.put32(block, 4 * slot.index(), 0);
        if (fs.hasMetadataCsum()) {
            LittleEndian.put32(block, fs.blockSize() - 4, checksum(file, slot.pblk(), block));
        }
        tx.markDirty(slot.pblk());
    }

    private Inode orphanInode(BlockReader src) {
        long ino = sb.orphanFileInum();
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new CorruptionException("superblock: s_orphan_file_inum " + ino + " is out of range");
        }
        Inode file = fs.inode(ino, src::read);
        if (file.type() != FileType.REGULAR || file.linksCount() == 0) {
            throw new CorruptionException("orphan file inode " + ino + " is not a regular file in use");
        }
        long size = file.size();
        if (size < 0 || size % fs.blockSize() != 0 || size / fs.blockSize() > sb.blocksCount()) {
            throw new CorruptionException("orphan file inode " + ino + ": i_size " + size + " is not a whole number of blocks");
        }
        return file;
    }

    private long physical(BlockMap map, long ino, long lblk) {
        Mapping m = map.map(lblk, 1);
        if (m.kind() != Mapping.Kind.MAPPED) {
            throw new CorruptionException("orphan file inode " + ino + ": block " + lblk + " is not mapped");
        }
        return m.pblk();
    }

    private void verify(Inode file, long lblk, long pblk, byte[] block) {
        long magic = LittleEndian.u32(block, fs.blockSize() - TAIL_SIZE);
        if (magic != EXT4_ORPHAN_BLOCK_MAGIC) {
            throw new CorruptionException(String.format("orphan file inode %d, block %d: bad magic 0x%08x", file.ino(), lblk, magic));
        }
        if (fs.hasMetadataCsum()) {
            long stored = LittleEndian.u32(block, fs.blockSize() - 4);
            long computed = checksum(file, pblk, block) & 0xffffffffL;
            if (stored != computed) {
                throw new CorruptionException(String.format("orphan file inode %d, block %d: checksum 0x%08x does not match computed 0x%08x",
                        file.ino(), lblk, stored, computed));
            }
        }
    }

    private int checksum(Inode file, long pblk, byte[] block) {
        byte[] where = new byte[8];
        LittleEndian.put64(where, 0, pblk);
        int crc = Crc32c.update(file.checksumSeed(), where, 0, 8);
        return Crc32c.update(crc, block, 0, slotsPerBlock * 4);
    }
}
