package org.ext4j.core.orphan;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.alloc.SuperblockEditor;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.BlockReader;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * The orphan_file feature's inode (s_orphan_file_inum): whole blocks of 32-bit orphan inode
 * numbers (0: free slot), each block ending in an 8-byte tail of ob_magic and ob_checksum. The
 * checksum is crc32c from the orphan file inode's own seed (fs seed, its number, its
 * generation) over the block's physical number (64 bits) and then the slots.
 *
 * <p>As the kernel does (ext4_orphan_file_add/_del), new orphans take a free slot here while
 * there is one, and the caller falls back to the classic {@link OrphanList} when all are taken;
 * RO_COMPAT_ORPHAN_PRESENT is set in the transaction that fills the first slot, so that a crash
 * leaves the flag that makes the next mount (ours, the kernel's, e2fsck) read the slots. The
 * used slots and the slot of each orphan added here are kept in memory, loaded at the first add
 * or removal (after the open's recovery emptied the file), and undone with a transaction that
 * aborts. One instance per open filesystem, used under its transaction lock.
 */
public final class OrphanFile {
    /** ob_magic of every orphan file block. */
    public static final long EXT4_ORPHAN_BLOCK_MAGIC = 0x0b10ca04L;
    /** The tail: ob_magic at blocksize-8, ob_checksum at blocksize-4. */
    private static final int TAIL_SIZE = 8;

    /** One used slot: the block that holds it, its index in the block and the orphan's number. */
    public record Slot(long pblk, int index, long ino) {
    }

    private final DiskView fs;
    private final Superblock sb;
    private final SuperblockEditor superblock;
    private final int slotsPerBlock;
    /** The physical block of each orphan file block, in file order; null until loaded. */
    private long[] blocks;
    /** Used slots, numbered block by block (block * slotsPerBlock + index). */
    private final BitSet used = new BitSet();
    /** The slot of each orphan added through this instance. */
    private final Map<Long, Integer> slotOf = new HashMap<>();

    public OrphanFile(DiskView fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.superblock = new SuperblockEditor(sb);
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
                    throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, file.ino(), CorruptionException.NO_BLOCK, "orphan file inode " + file.ino() + ", block " + lblk + " slot " + i
                            + ": inode " + ino + " is outside " + sb.firstIno() + ".." + sb.inodesCount());
                }
                out.add(new Slot(pblk, i, ino));
            }
        }
        return out;
    }

    /** Empties {@code slot} and brings its block's checksum up to date. */
    public void clear(Transaction tx, Slot slot) {
        store(tx, orphanInode(tx), slot.pblk(), slot.index(), 0);
    }

    /**
     * Puts inode {@code ino} in the first free slot, in {@code tx}, with orphan_present set.
     * False, with nothing changed, when the filesystem has no orphan file or every slot is
     * taken: the caller then uses the classic list.
     */
    public boolean add(Transaction tx, long ino) {
        if (!exists()) {
            return false;
        }
        Inode file = load(tx);
        int slot = used.nextClearBit(0);
        // A slot filled behind this instance's back (another instance over the same filesystem) is skipped, not overwritten.
        while (slot < blocks.length * slotsPerBlock && read(tx, slot) != 0) {
            used.set(slot);
            slot = used.nextClearBit(slot + 1);
        }
        if (slot >= blocks.length * slotsPerBlock) {
            return false;
        }
        if ((superblock.roCompat(tx) & Features.RO_COMPAT_ORPHAN_PRESENT) == 0) {
            superblock.setRoCompat(tx, Features.RO_COMPAT_ORPHAN_PRESENT);
        }
        int taken = slot;
        store(tx, file, blocks[taken / slotsPerBlock], taken % slotsPerBlock, ino);
        used.set(taken);
        slotOf.put(ino, taken);
        tx.onAbort(() -> {
            used.clear(taken);
            slotOf.remove(ino);
        });
        return true;
    }

    /**
     * Empties the slot of inode {@code ino} in {@code tx}: the one this instance gave it, checked
     * against the block as {@code tx} sees it, else the first slot that holds it. False, with
     * nothing changed, when no slot holds it (it is on the classic list).
     */
    public boolean remove(Transaction tx, long ino) {
        if (!exists()) {
            return false;
        }
        Inode file = load(tx);
        Integer known = slotOf.get(ino);
        int slot = known != null && read(tx, known) == ino ? known : find(tx, ino);
        if (slot < 0) {
            return false;
        }
        store(tx, file, blocks[slot / slotsPerBlock], slot % slotsPerBlock, 0);
        used.clear(slot);
        slotOf.remove(ino);
        tx.onAbort(() -> {
            used.set(slot);
            if (known != null) {
                slotOf.put(ino, known);
            }
        });
        return true;
    }

    /**
     * True when the filesystem has an orphan file and none of its slots is taken as {@code src}
     * sees them: orphan_present may then be cleared, as the kernel clears it at unmount.
     */
    public boolean isEmpty(BlockReader src) {
        return !exists() || slots(src).isEmpty();
    }

    /** Reads the orphan file's blocks and used slots once; returns its inode. */
    private Inode load(BlockReader src) {
        Inode file = orphanInode(src);
        if (blocks == null) {
            BlockMap map = BlockMap.of(fs, file);
            long[] found = new long[(int) (file.size() / fs.blockSize())];
            for (int lblk = 0; lblk < found.length; lblk++) {
                found[lblk] = physical(map, file.ino(), lblk);
                verify(file, lblk, found[lblk], src.read(found[lblk]));
            }
            blocks = found;
            for (Slot slot : slots(src)) {
                used.set(indexOf(slot.pblk()) * slotsPerBlock + slot.index());
            }
        }
        return file;
    }

    /** The slot holding {@code ino} as {@code src} sees the blocks, or -1. */
    private int find(BlockReader src, long ino) {
        for (int b = 0; b < blocks.length; b++) {
            byte[] block = src.readShared(blocks[b]);
            for (int i = 0; i < slotsPerBlock; i++) {
                if (LittleEndian.u32(block, 4 * i) == ino) {
                    return b * slotsPerBlock + i;
                }
            }
        }
        return -1;
    }

    private long read(BlockReader src, int slot) {
        return LittleEndian.u32(src.readShared(blocks[slot / slotsPerBlock]), 4 * (slot % slotsPerBlock));
    }

    private int indexOf(long pblk) {
        for (int b = 0; b < blocks.length; b++) {
            if (blocks[b] == pblk) {
                return b;
            }
        }
        throw new IllegalStateException("block " + pblk + " is not in the orphan file");
    }

    /** Writes {@code value} into slot {@code index} of block {@code pblk} and sets the block's checksum. */
    private void store(Transaction tx, Inode file, long pblk, int index, long value) {
        byte[] block = tx.getWriteAccess(pblk, BlockRole.METADATA);
        LittleEndian.put32(block, 4 * index, value);
        if (fs.hasMetadataCsum()) {
            LittleEndian.put32(block, fs.blockSize() - 4, checksum(file, pblk, block));
        }
        tx.markDirty(pblk);
    }

    private Inode orphanInode(BlockReader src) {
        long ino = sb.orphanFileInum();
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, "superblock: s_orphan_file_inum " + ino + " is out of range");
        }
        Inode file = fs.inode(ino, src);
        if (file.type() != FileType.REGULAR || file.linksCount() == 0) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, ino, CorruptionException.NO_BLOCK, "orphan file inode " + ino + " is not a regular file in use");
        }
        long size = file.size();
        if (size < 0 || size % fs.blockSize() != 0 || size / fs.blockSize() > sb.blocksCount()) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, ino, CorruptionException.NO_BLOCK, "orphan file inode " + ino + ": i_size " + size + " is not a whole number of blocks");
        }
        return file;
    }

    private long physical(BlockMap map, long ino, long lblk) {
        Mapping m = map.map(lblk, 1);
        if (m.kind() != Mapping.Kind.MAPPED) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, ino, CorruptionException.NO_BLOCK, "orphan file inode " + ino + ": block " + lblk + " is not mapped");
        }
        return m.pblk();
    }

    private void verify(Inode file, long lblk, long pblk, byte[] block) {
        long magic = LittleEndian.u32(block, fs.blockSize() - TAIL_SIZE);
        if (magic != EXT4_ORPHAN_BLOCK_MAGIC) {
            throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, String.format("orphan file inode %d, block %d: bad magic 0x%08x", file.ino(), lblk, magic));
        }
        if (fs.hasMetadataCsum()) {
            long stored = LittleEndian.u32(block, fs.blockSize() - 4);
            long computed = checksum(file, pblk, block) & 0xffffffffL;
            if (stored != computed) {
                throw new CorruptionException(CorruptionException.Structure.ORPHAN_FILE, String.format("orphan file inode %d, block %d: checksum 0x%08x does not match computed 0x%08x",
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
