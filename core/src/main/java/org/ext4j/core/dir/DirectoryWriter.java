package org.ext4j.core.dir;

import static org.ext4j.core.dir.DirectoryChange.DOT;
import static org.ext4j.core.dir.DirectoryChange.DOTDOT;
import static org.ext4j.core.dir.DirectoryChange.isZero;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.ExtentTree;
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
import org.ext4j.core.tx.Transaction;

/**
 * Changes directories inside a transaction as the kernel's namei.c and inline.c do: creates the
 * first block (or the inline body) of a new directory, adds entries (into the first dirent with
 * room in a linear directory, into the leaf the hash selects in an indexed one, converting a full
 * one-block directory to an htree, splitting leaves and index blocks and growing the tree),
 * removes entries and rewrites "..". Directories never shrink. The caller owns link counts and
 * timestamps; on any exception it must abort the transaction.
 */
public final class DirectoryWriter {
    private final boolean mayUseReserved;

    /** A writer whose directory growth leaves the blocks reserved for root alone; it keeps no state between calls. */
    public DirectoryWriter() {
        this(false);
    }

    /** A writer that may grow directories into the s_r_blocks_count blocks reserved for root when {@code mayUseReserved}. */
    public DirectoryWriter(boolean mayUseReserved) {
        this.mayUseReserved = mayUseReserved;
    }

    /**
     * Gives new directory {@code dirIno} (an inode of directory type with i_size 0 and no blocks)
     * its "." and ".." entries: inline (the parent's number at the start of i_block, one empty
     * dirent, an empty system.data) when the filesystem has inline_data and the inode has room,
     * as the kernel creates directories; otherwise in a first block with the checksum tail under
     * metadata_csum. Sets i_size. Link counts are the caller's.
     *
     * @throws Ext4Exception ENOTDIR when the inode is not a directory, EEXIST when it already has content
     */
    public static void initialize(Transaction tx, long dirIno, long parentIno) {
        initialize(tx, dirIno, parentIno, false);
    }

    /**
     * As {@link #initialize(Transaction, long, long)}; {@code mayUseReserved} lets the first block
     * come from the blocks reserved for root.
     */
    public static void initialize(Transaction tx, long dirIno, long parentIno, boolean mayUseReserved) {
        DiskView fs = tx.fileSystem();
        Inode inode = InodeStore.read(tx, dirIno);
        if (!inode.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + dirIno + " is not a directory");
        }
        if (inode.size() != 0 || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EEXIST, "directory inode " + dirIno + " is already initialized");
        }
        checkIno(fs, parentIno);
        if (fs.superblock().hasIncompat(Features.INCOMPAT_INLINE_DATA) && InlineDirectory.initializeInline(tx, inode, parentIno)) {
            return;
        }
        if (fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS) && !inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)
                && isZero(inode.iBlock())) {
            // A fresh inode without a block map yet gets the empty extent root the kernel gives new inodes.
            byte[] raw = inode.raw();
            ExtentTree.putEmptyRoot(raw, Inode.I_BLOCK);
            LittleEndian.put32(raw, Inode.I_FLAGS, (inode.flags() | InodeFlags.EXT4_EXTENTS_FL) & 0xFFFFFFFFL);
            InodeStore.write(tx, dirIno, raw);
        }
        DirectoryChange d = new DirectoryChange(tx, dirIno, mayUseReserved);
        DirectoryChange.NewBlock first = d.append();
        int bs = d.bs;
        DirentBlock.put(first.data, 0, dirIno, DirentBlock.recLen(1), DOT, d.typeByte(FileType.DIRECTORY), bs);
        DirentBlock.put(first.data, DirentBlock.recLen(1), parentIno, d.leafEnd() - DirentBlock.recLen(1), DOTDOT,
                d.typeByte(FileType.DIRECTORY), bs);
        d.finishNewLeaf(first);
    }

    /**
     * Adds the entry {@code name} → {@code ino} of type {@code type} to directory {@code dirIno}.
     *
     * @throws Ext4Exception ENAMETOOLONG for a name over 255 bytes, EINVAL for an empty name or one
     *                       with '/' or NUL, EEXIST when the name is present, ENOTDIR, ENOSPC when
     *                       no block can be allocated or the index is full at its deepest level
     */
    public void add(Transaction tx, long dirIno, byte[] name, long ino, FileType type) {
        checkName(name);
        DirectoryChange d = new DirectoryChange(tx, dirIno, mayUseReserved);
        checkIno(d.fs, ino);
        if (DirectoryReader.of(tx, d.inode).lookup(name).isPresent()) {
            throw new Ext4Exception(Errno.EEXIST, "directory inode " + dirIno + " already has an entry "
                    + new String(name, StandardCharsets.UTF_8));
        }
        int fileType = d.typeByte(type);
        if (d.isInline()) {
            if (InlineDirectory.addInline(d, name, ino, fileType)) {
                return;
            }
            InlineDirectory.convertInline(d);
        }
        if (d.isIndexed()) {
            HtreeInsertion.addIndexed(d, name, ino, fileType);
        } else {
            addLinear(d, name, ino, fileType);
        }
    }

    /**
     * Removes the entry {@code name} from directory {@code dirIno}: the previous dirent absorbs
     * it, or its inode becomes 0 when it is the first of its block.
     *
     * @throws Ext4Exception ENOENT when the name is absent, EINVAL for "." and ".."
     */
    public void remove(Transaction tx, long dirIno, byte[] name) {
        checkName(name);
        if (Arrays.equals(name, DOT) || Arrays.equals(name, DOTDOT)) {
            throw new Ext4Exception(Errno.EINVAL, "\".\" and \"..\" cannot be removed from a directory");
        }
        DirectoryChange d = new DirectoryChange(tx, dirIno, mayUseReserved);
        DirEntry entry = DirectoryReader.of(tx, d.inode).lookup(name).orElseThrow(() -> new Ext4Exception(Errno.ENOENT,
                "directory inode " + dirIno + " has no entry " + new String(name, StandardCharsets.UTF_8)));
        if (d.isInline()) {
            byte[] content = InlineData.content(d.fs, d.inode);
            int at = (int) (entry.offset() - DirectoryReader.INLINE_POSITION_SHIFT);
            boolean inIBlock = at < InlineData.MIN_INLINE_DATA_SIZE;
            int start = inIBlock ? DirectoryReader.INLINE_DOTDOT_SIZE : InlineData.MIN_INLINE_DATA_SIZE;
            int end = inIBlock ? InlineData.MIN_INLINE_DATA_SIZE : content.length;
            DirentBlock.delete(content, start, end, at, d.bs, "inline directory inode " + dirIno);
            d.storeInline(content);
            return;
        }
        long lblk = entry.offset() / d.bs;
        int off = (int) (entry.offset() % d.bs);
        long pblk = d.pblk(lblk);
        byte[] block = d.write(pblk);
        DirentBlock.delete(block, 0, d.leafEnd(), off, d.bs, d.where(lblk));
        d.finishLeaf(pblk, block);
    }

    /** Points ".." of directory {@code dirIno} at {@code newParentIno} (a directory moved by rename). */
    public void setParent(Transaction tx, long dirIno, long newParentIno) {
        DirectoryChange d = new DirectoryChange(tx, dirIno, mayUseReserved);
        checkIno(d.fs, newParentIno);
        if (d.isInline()) {
            byte[] content = InlineData.content(d.fs, d.inode);
            LittleEndian.put32(content, 0, newParentIno);
            d.storeInline(content);
            return;
        }
        long pblk = d.pblk(0);
        byte[] block = d.read(pblk);
        d.validateBlockZero(block);
        int dotdot = DirentBlock.recLenAt(block, 0, d.bs);
        byte[] w = d.write(pblk);
        LittleEndian.put32(w, dotdot + DirentBlock.INODE, newParentIno);
        if (d.isIndexed()) {
            d.finishDx(pblk, w, DxBlock.ROOT_ENTRIES);
        } else {
            d.finishLeaf(pblk, w);
        }
    }

    /** Whether directory {@code dirIno} holds nothing but "." and "..". */
    public boolean isEmpty(Transaction tx, long dirIno) {
        DirectoryChange d = new DirectoryChange(tx, dirIno, mayUseReserved);
        return DirectoryReader.of(tx, d.inode).readdir(0, e -> e.nameEquals(DOT) || e.nameEquals(DOTDOT));
    }

    // ---- linear directories ----

    private static void addLinear(DirectoryChange d, byte[] name, long ino, int fileType) {
        long blocks = d.blockCount();
        if (blocks == 0) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, d.ino, CorruptionException.NO_BLOCK, "directory inode " + d.ino + " has no blocks");
        }
        for (long lblk = 0; lblk < blocks; lblk++) {
            long pblk = d.pblk(lblk);
            byte[] block = d.readLeaf(lblk, pblk);
            int off = DirentBlock.findRoom(block, 0, d.leafEnd(), name.length, d.bs);
            if (off >= 0) {
                byte[] w = d.write(pblk);
                DirentBlock.insert(w, off, ino, name, fileType, d.bs);
                d.finishLeaf(pblk, w);
                return;
            }
        }
        // The kernel indexes a directory when its single block fills up (make_indexed_dir).
        if (blocks == 1 && d.dirIndex && HtreeInsertion.makeIndexed(d, name, ino, fileType)) {
            return;
        }
        DirectoryChange.NewBlock fresh = d.append();
        d.emptyLeaf(fresh.data);
        DirentBlock.insert(fresh.data, 0, ino, name, fileType, d.bs);
        d.finishNewLeaf(fresh);
    }

    // ---- names ----

    private static void checkName(byte[] name) {
        if (name.length > DirectoryReader.NAME_MAX) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "name of " + name.length + " bytes exceeds " + DirectoryReader.NAME_MAX);
        }
        if (name.length == 0) {
            throw new Ext4Exception(Errno.EINVAL, "empty file name");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new Ext4Exception(Errno.EINVAL, "file name contains " + (b == 0 ? "NUL" : "'/'"));
            }
        }
    }

    private static void checkIno(DiskView fs, long ino) {
        if (ino < 1 || ino > fs.superblock().inodesCount()) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is out of range");
        }
    }
}
