package org.ext4j.core.dir;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.htree.DxBlock;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.InodeXattrEditor;

/**
 * One directory being changed in one transaction: its inode as the transaction sees it, the
 * filesystem's rules, and the block-level steps every kind of change is made of (reading and
 * writing leaves with their checksum tails, appending blocks, the inode's size). Used by
 * {@link DirectoryWriter}, {@link HtreeInsertion} and {@link InlineDirectory}.
 */
final class DirectoryChange {
    static final byte[] DOT = {'.'};
    static final byte[] DOTDOT = {'.', '.'};

    /** A block just appended to the directory: its logical and physical number and its zeroed working copy. */
    static final class NewBlock {
        final long lblk;
        final long pblk;
        final byte[] data;

        NewBlock(long lblk, long pblk, byte[] data) {
            this.lblk = lblk;
            this.pblk = pblk;
            this.data = data;
        }
    }

    static boolean nameIs(byte[] block, int off, byte[] name) {
        return LittleEndian.u8(block, off + DirentBlock.NAME_LEN) == name.length
                && Arrays.equals(block, off + DirentBlock.NAME, off + DirentBlock.NAME + name.length, name, 0, name.length);
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static void putSize(byte[] raw, long size) {
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size & 0xFFFFFFFFL);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
    }

    final Transaction tx;
    final DiskView fs;
    final long ino;
    final int bs;
    final boolean csum;
    final boolean fileTypes;
    final boolean dirIndex;
    final boolean largeDir;
    final DirectoryBlocks blocks;
    final DirentBlock.Rules rules;
    Inode inode;

    DirectoryChange(Transaction tx, long ino, boolean mayUseReserved) {
        this.tx = tx;
        this.fs = tx.fileSystem();
        this.ino = ino;
        this.inode = InodeStore.read(tx, ino);
        if (!inode.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        Superblock sb = fs.superblock();
        this.bs = fs.blockSize();
        this.csum = fs.hasMetadataCsum();
        this.fileTypes = sb.hasIncompat(Features.INCOMPAT_FILETYPE);
        this.dirIndex = sb.hasCompat(Features.COMPAT_DIR_INDEX);
        this.largeDir = sb.hasIncompat(Features.INCOMPAT_LARGEDIR);
        this.blocks = DirectoryBlocks.of(tx, ino, mayUseReserved);
        this.rules = new DirentBlock.Rules(ino, bs, fileTypes, sb.inodesCount());
    }

    void refresh() {
        inode = InodeStore.read(tx, ino);
    }

    boolean isInline() {
        return inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL);
    }

    boolean isIndexed() {
        return dirIndex && inode.hasFlag(InodeFlags.EXT4_INDEX_FL);
    }

    int typeByte(FileType type) {
        return fileTypes ? type.direntType() : 0;
    }

    /** Where a leaf's dirents end: before the checksum tail with metadata_csum. */
    int leafEnd() {
        return csum ? bs - DirentBlock.TAIL_SIZE : bs;
    }

    long blockCount() {
        long size = inode.size();
        if (!(size >= 0 && size / bs < BlockMap.LBLK_LIMIT)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, ino, CorruptionException.NO_BLOCK, "directory inode " + ino + ": i_size " + size + " is out of range");
        }
        return (size + bs - 1) / bs;
    }

    long pblk(long lblk) {
        long count = blockCount();
        if (!(lblk >= 0 && lblk < count)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, where(lblk) + " is past the end (" + count + " blocks)");
        }
        Mapping run = blocks.map(lblk, 1);
        if (run.kind() != Mapping.Kind.MAPPED) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, where(lblk) + " is a hole");
        }
        return run.pblk();
    }

    byte[] read(long pblk) {
        return tx.read(pblk);
    }

    /** A leaf block, validated (checksum tail and every dirent) before the writer trusts it. */
    byte[] readLeaf(long lblk, long pblk) {
        byte[] block = tx.read(pblk);
        if (csum) {
            DirentBlock.verifyTail(block, bs, inode.checksumSeed(), where(lblk));
        }
        DirentBlock.walk(block, 0, leafEnd(), 0, rules, where(lblk), (i, b, o, n, t, p) -> true);
        return block;
    }

    /** Block 0 must start with "." and ".." (dx_root or leaf). */
    void validateBlockZero(byte[] block) {
        if (isIndexed()) {
            DxBlock.root(block, dxContext());
            return;
        }
        readLeafChecks(block);
        int dot = DirentBlock.recLenAt(block, 0, bs);
        if (!(nameIs(block, 0, DOT) && dot < leafEnd() && nameIs(block, dot, DOTDOT))) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, where(0) + ": does not start with \".\" and \"..\"");
        }
    }

    private void readLeafChecks(byte[] block) {
        if (csum) {
            DirentBlock.verifyTail(block, bs, inode.checksumSeed(), where(0));
        }
        DirentBlock.walk(block, 0, leafEnd(), 0, rules, where(0), (i, b, o, n, t, p) -> true);
    }

    byte[] write(long pblk) {
        return tx.getWriteAccess(pblk, BlockRole.METADATA);
    }

    void finishLeaf(long pblk, byte[] block) {
        if (csum) {
            DirentBlock.setTailChecksum(block, bs, inode.checksumSeed());
        }
        tx.markDirty(pblk);
    }

    void finishNewLeaf(NewBlock b) {
        if (csum) {
            DirentBlock.initTail(b.data, bs);
        }
        finishLeaf(b.pblk, b.data);
    }

    void finishDx(long pblk, byte[] block, int entriesOffset) {
        if (csum) {
            DxBlock.putChecksum(block, entriesOffset, inode.checksumSeed());
        }
        tx.markDirty(pblk);
    }

    void finishNewDx(NewBlock b) {
        finishDx(b.pblk, b.data, DxBlock.NODE_ENTRIES);
    }

    void emptyLeaf(byte[] block) {
        DirentBlock.setRecLen(block, 0, leafEnd(), bs);
    }

    /** Maps a new block after the last one, raises i_size over it, and returns its zeroed working copy. */
    NewBlock append() {
        long lblk = blockCount();
        long pblk = blocks.allocate(lblk);
        refresh();
        byte[] raw = inode.raw();
        putSize(raw, (lblk + 1) * bs);
        InodeStore.write(tx, ino, raw);
        refresh();
        return new NewBlock(lblk, pblk, tx.getNewBlockAccess(pblk));
    }

    void setFlags(int flags) {
        refresh();
        byte[] raw = inode.raw();
        LittleEndian.put32(raw, Inode.I_FLAGS, (inode.flags() | flags) & 0xFFFFFFFFL);
        InodeStore.write(tx, ino, raw);
        refresh();
    }

    /** Writes inline content back: its first 60 bytes to i_block, the rest as system.data; i_size follows. */
    void storeInline(byte[] content) {
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        byte[] rest = Arrays.copyOfRange(content, InlineData.MIN_INLINE_DATA_SIZE, content.length);
        if (!body.put(InlineData.SYSTEM_DATA, rest)) {
            throw new IllegalStateException("inline directory inode " + ino + ": " + rest.length
                    + " bytes do not fit system.data");
        }
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        System.arraycopy(content, 0, raw, Inode.I_BLOCK, InlineData.MIN_INLINE_DATA_SIZE);
        putSize(raw, content.length);
        InodeStore.write(tx, ino, raw);
        refresh();
    }

    DxBlock.Context dxContext() {
        return new DxBlock.Context(ino, bs, csum, inode.checksumSeed());
    }

    String where(long lblk) {
        return "directory inode " + ino + " logical block " + lblk;
    }
}
