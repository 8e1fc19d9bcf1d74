package org.ext4j.core.alloc;

import java.util.Arrays;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * The bookkeeping every allocation and free changes, all through a transaction: the bit in the
 * group's bitmap, the descriptor's free counts, used directories, UNINIT flags, itable_unused and
 * checksums (descriptor and, with metadata_csum, bitmap), and the superblock's free counters and
 * checksum. The allocators decide what to allocate; this class records it.
 */
public final class GroupAccounting {
    private final DiskView fs;
    private final Superblock sb;
    private final GroupTable groups;
    private final GroupLayout layout;
    private final Bitmaps bitmaps;
    private final SuperblockEditor superblock;
    private final boolean groupChecksums;
    private final boolean metadataCsum;

    public GroupAccounting(DiskView fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.groups = new GroupTable(fs);
        this.layout = new GroupLayout(sb);
        this.bitmaps = new Bitmaps(fs, groups, layout);
        this.superblock = new SuperblockEditor(sb);
        this.groupChecksums = fs.hasGroupChecksums();
        this.metadataCsum = fs.hasMetadataCsum();
    }

    public DiskView fileSystem() {
        return fs;
    }

    public GroupTable groups() {
        return groups;
    }

    public GroupLayout layout() {
        return layout;
    }

    public Bitmaps bitmaps() {
        return bitmaps;
    }

    public SuperblockEditor superblockEditor() {
        return superblock;
    }

    /**
     * Marks {@code count} blocks from {@code pblk} (all in one group) in use: bitmap, group free
     * count, checksums, superblock counter. A block already in use is a CorruptionException and
     * nothing is changed.
     */
    public void markBlocksUsed(Transaction tx, long pblk, long count) {
        long group = checkBlockRange(pblk, count);
        byte[] map = blockBitmapForUpdate(tx, group);
        long base = sb.groupFirstBlock(group);
        for (long b = pblk; b < pblk + count; b++) {
            if (Bitmap.test(map, b - base)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_BITMAP, CorruptionException.NO_INODE, b,
                        "block bitmap of group " + group + ": block " + b + " is already in use");
            }
        }
        GroupDescriptorEditor ed = editDescriptor(tx, group);
        GroupDescriptor gd = ed.view();
        if (!(gd.freeBlocksCount() >= count)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR,
                    "group descriptor " + group + ": free blocks count "
                + gd.freeBlocksCount() + " is less than the " + count + " free blocks its bitmap shows");
        }
        for (long b = pblk; b < pblk + count; b++) {
            Bitmap.set(map, b - base);
        }
        ed.setFreeBlocksCount(gd.freeBlocksCount() - count);
        finishBlockBitmap(tx, ed, gd, map);
        superblock.addFreeBlocks(tx, -count);
    }

    /** Marks {@code count} blocks from {@code pblk} (all in one group) free; a block already free is a CorruptionException. */
    public void markBlocksFree(Transaction tx, long pblk, long count) {
        long group = checkBlockRange(pblk, count);
        byte[] map = blockBitmapForUpdate(tx, group);
        long base = sb.groupFirstBlock(group);
        for (long b = pblk; b < pblk + count; b++) {
            if (!Bitmap.test(map, b - base)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_BITMAP, CorruptionException.NO_INODE, b,
                        "block bitmap of group " + group + ": freeing block " + b + " which is already free");
            }
        }
        GroupDescriptorEditor ed = editDescriptor(tx, group);
        GroupDescriptor gd = ed.view();
        if (!(gd.freeBlocksCount() + count <= layout.blocksInGroup(group))) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR,
                    "group descriptor " + group
                + ": free blocks count " + gd.freeBlocksCount() + " + " + count + " freed exceeds the group's size");
        }
        for (long b = pblk; b < pblk + count; b++) {
            Bitmap.clear(map, b - base);
        }
        ed.setFreeBlocksCount(gd.freeBlocksCount() + count);
        finishBlockBitmap(tx, ed, gd, map);
        superblock.addFreeBlocks(tx, count);
        tx.noteFreed(pblk, count);
    }

    /**
     * Marks inode {@code ino} in use: bitmap, free inodes, used directories, INODE_UNINIT (and
     * BLOCK_UNINIT, as the kernel never leaves a group with inodes in use block-uninitialised),
     * itable_unused, checksums, superblock counter. The inode's record is zeroed, and so is every
     * record that enters the initialised part of the inode table with it unless the table is
     * known to be zeroed (ITABLE_ZEROED).
     */
    public void markInodeUsed(Transaction tx, long ino, boolean directory) {
        checkInode(ino);
        long ipg = sb.inodesPerGroup();
        long group = (ino - 1) / ipg;
        long index = (ino - 1) % ipg;
        GroupDescriptor before = groups.descriptor(tx, group);
        boolean wasUninit = groupChecksums && before.hasFlag(GroupDescriptor.INODE_UNINIT);
        byte[] map = inodeBitmapForUpdate(tx, group);
        if (Bitmap.test(map, index)) {
            throw new CorruptionException(CorruptionException.Structure.INODE_BITMAP, ino, CorruptionException.NO_BLOCK,
                    "inode bitmap of group " + group + ": inode " + ino + " is already in use");
        }
        if (groupChecksums && before.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
            blockBitmapForUpdate(tx, group);
        }
        GroupDescriptorEditor ed = editDescriptor(tx, group);
        GroupDescriptor gd = ed.view();
        if (!(gd.freeInodesCount() >= 1)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, ino, CorruptionException.NO_BLOCK,
                    "group descriptor " + group
                + ": free inodes count is 0 but its bitmap shows inode " + ino + " free");
        }
        Bitmap.set(map, index);
        ed.setFreeInodesCount(gd.freeInodesCount() - 1);
        if (directory) {
            ed.setUsedDirsCount(gd.usedDirsCount() + 1);
        }
        long zeroFrom = index;
        if (groupChecksums) {
            long initialised = wasUninit ? 0 : Math.max(0, ipg - Math.min(ipg, gd.itableUnused()));
            if (index + 1 > initialised) {
                ed.setItableUnused(ipg - (index + 1));
                if (!gd.hasFlag(GroupDescriptor.ITABLE_ZEROED)) {
                    zeroFrom = initialised;
                }
            }
        }
        zeroInodeRecords(tx, gd, zeroFrom, index);
        finishInodeBitmap(tx, ed, gd, map);
        superblock.addFreeInodes(tx, -1);
    }

    /** Marks inode {@code ino} free (its record is left to the caller, who sets i_dtime). */
    public void markInodeFree(Transaction tx, long ino, boolean directory) {
        checkInode(ino);
        long ipg = sb.inodesPerGroup();
        long group = (ino - 1) / ipg;
        long index = (ino - 1) % ipg;
        GroupDescriptor before = groups.descriptor(tx, group);
        if (groupChecksums && before.hasFlag(GroupDescriptor.INODE_UNINIT)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, ino, CorruptionException.NO_BLOCK,
                    "group descriptor " + group + ": freeing inode " + ino + " in a group whose inodes are uninitialised");
        }
        byte[] map = inodeBitmapForUpdate(tx, group);
        if (!Bitmap.test(map, index)) {
            throw new CorruptionException(CorruptionException.Structure.INODE_BITMAP, ino, CorruptionException.NO_BLOCK,
                    "inode bitmap of group " + group + ": freeing inode " + ino + " which is already free");
        }
        GroupDescriptorEditor ed = editDescriptor(tx, group);
        GroupDescriptor gd = ed.view();
        if (!(gd.freeInodesCount() < ipg)) {
            throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR,
                    "group descriptor " + group
                + ": free inodes count " + gd.freeInodesCount() + " is already inodes_per_group");
        }
        if (directory) {
            if (!(gd.usedDirsCount() > 0)) {
                throw new CorruptionException(CorruptionException.Structure.GROUP_DESCRIPTOR, ino, CorruptionException.NO_BLOCK,
                        "group descriptor " + group + ": used directories count is 0 while freeing directory inode " + ino);
            }
            ed.setUsedDirsCount(gd.usedDirsCount() - 1);
        }
        Bitmap.clear(map, index);
        ed.setFreeInodesCount(gd.freeInodesCount() + 1);
        finishInodeBitmap(tx, ed, gd, map);
        superblock.addFreeInodes(tx, 1);
    }

    /**
     * The block bitmap of {@code group} as {@code tx} sees it, for searching: the transaction's
     * own copy when it already changed it (kept consistent by this class, so not re-verified),
     * else read and verified (or synthesized) by {@link Bitmaps}.
     */
    public byte[] currentBlockBitmap(Transaction tx, long group) {
        long blk = groups.descriptor(tx, group).blockBitmap();
        return tx.hasAccess(blk) ? tx.read(blk) : bitmaps.blockBitmap(tx, group);
    }

    /** The inode bitmap of {@code group} as {@code tx} sees it (see {@link #currentBlockBitmap}). */
    public byte[] currentInodeBitmap(Transaction tx, long group) {
        long blk = groups.descriptor(tx, group).inodeBitmap();
        return tx.hasAccess(blk) ? tx.read(blk) : bitmaps.inodeBitmap(tx, group);
    }

    /**
     * The working copy of the block bitmap of {@code group} in {@code tx}. A BLOCK_UNINIT group
     * gets its bitmap initialised here as the kernel does: the synthesized bitmap is written to the
     * bitmap block, the flag cleared and the free count set from it. A bitmap read from disk is
     * verified first.
     */
    byte[] blockBitmapForUpdate(Transaction tx, long group) {
        GroupDescriptor gd = groups.descriptor(tx, group);
        long blk = gd.blockBitmap();
        if (tx.hasAccess(blk)) {
            return tx.getWriteAccess(blk, BlockRole.BITMAP);
        }
        if (groupChecksums && gd.hasFlag(GroupDescriptor.BLOCK_UNINIT)) {
            byte[] synth = bitmaps.synthesizeBlockBitmap(gd);
            byte[] buf = tx.getCreateAccess(blk, BlockRole.BITMAP);
            System.arraycopy(synth, 0, buf, 0, buf.length);
            long inGroup = layout.blocksInGroup(group);
            long free = inGroup - Bitmap.countSet(buf, 0, inGroup);
            GroupDescriptorEditor ed = editDescriptor(tx, group);
            ed.setFlags(gd.flags() & ~GroupDescriptor.BLOCK_UNINIT);
            ed.setFreeBlocksCount(free);
            if (free != gd.freeBlocksCount()) {
                superblock.addFreeBlocks(tx, free - gd.freeBlocksCount());
            }
            finishBlockBitmap(tx, ed, ed.view(), buf);
            return buf;
        }
        bitmaps.verifyBlockBitmap(gd, tx.readShared(blk));
        return tx.getWriteAccess(blk, BlockRole.BITMAP);
    }

    /** The working copy of the inode bitmap of {@code group}; an INODE_UNINIT group gets an all-free bitmap and loses the flag. */
    byte[] inodeBitmapForUpdate(Transaction tx, long group) {
        GroupDescriptor gd = groups.descriptor(tx, group);
        long blk = gd.inodeBitmap();
        if (tx.hasAccess(blk)) {
            return tx.getWriteAccess(blk, BlockRole.BITMAP);
        }
        if (groupChecksums && gd.hasFlag(GroupDescriptor.INODE_UNINIT)) {
            byte[] buf = tx.getCreateAccess(blk, BlockRole.BITMAP);
            System.arraycopy(bitmaps.synthesizeInodeBitmap(), 0, buf, 0, buf.length);
            GroupDescriptorEditor ed = editDescriptor(tx, group);
            ed.setFlags(gd.flags() & ~GroupDescriptor.INODE_UNINIT);
            finishInodeBitmap(tx, ed, ed.view(), buf);
            return buf;
        }
        bitmaps.verifyInodeBitmap(gd, tx.readShared(blk));
        return tx.getWriteAccess(blk, BlockRole.BITMAP);
    }

    /** An editor over the descriptor of {@code group} in the transaction's working copy of its table block. */
    GroupDescriptorEditor editDescriptor(Transaction tx, long group) {
        groups.descriptor(tx, group);
        byte[] block = tx.getWriteAccess(groups.descriptorBlock(group), BlockRole.GROUP_DESCRIPTORS);
        return new GroupDescriptorEditor(block, groups.descriptorOffset(group), sb.descSize(), group);
    }

    private void finishBlockBitmap(Transaction tx, GroupDescriptorEditor ed, GroupDescriptor gd, byte[] map) {
        if (metadataCsum) {
            ed.setBlockBitmapChecksum(bitmaps.blockBitmapChecksum(map));
        }
        ed.updateChecksum(sb);
        tx.markDirty(gd.blockBitmap());
        tx.markDirty(groups.descriptorBlock(gd.group()));
    }

    private void finishInodeBitmap(Transaction tx, GroupDescriptorEditor ed, GroupDescriptor gd, byte[] map) {
        if (metadataCsum) {
            ed.setInodeBitmapChecksum(bitmaps.inodeBitmapChecksum(map));
        }
        ed.updateChecksum(sb);
        tx.markDirty(gd.inodeBitmap());
        tx.markDirty(groups.descriptorBlock(gd.group()));
    }

    /** Zeroes the inode records {@code from} .. {@code to} (indexes in the group, inclusive). */
    private void zeroInodeRecords(Transaction tx, GroupDescriptor gd, long from, long to) {
        int isz = sb.inodeSize();
        int bs = sb.blockSize();
        long perBlock = bs / isz;
        long index = from;
        while (index <= to) {
            long blk = gd.inodeTable() + index / perBlock;
            byte[] buf = tx.getWriteAccess(blk, BlockRole.INODE_TABLE);
            long last = Math.min(to, (index / perBlock + 1) * perBlock - 1);
            int start = (int) (index % perBlock) * isz;
            int end = (int) (last % perBlock + 1) * isz;
            Arrays.fill(buf, start, end, (byte) 0);
            tx.markDirty(blk);
            index = last + 1;
        }
    }

    private long checkBlockRange(long pblk, long count) {
        if (count < 1 || pblk <= sb.firstDataBlock() || pblk > sb.blocksCount() - count) {
            throw new IllegalArgumentException("blocks " + pblk + " (+" + count + ") are not data blocks of the filesystem");
        }
        long group = sb.groupOfBlock(pblk);
        if (sb.groupOfBlock(pblk + count - 1) != group) {
            throw new IllegalArgumentException("blocks " + pblk + " (+" + count + ") span more than group " + group);
        }
        return group;
    }

    private void checkInode(long ino) {
        if (ino < sb.firstIno() || ino > sb.inodesCount()) {
            throw new IllegalArgumentException("inode " + ino + " is reserved or out of range (" + sb.firstIno() + ".." + sb.inodesCount() + ")");
        }
    }
}
