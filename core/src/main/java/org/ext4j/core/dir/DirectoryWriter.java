package org.ext4j.core.dir;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.ExtentTree;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.htree.DirHash;
import org.ext4j.core.htree.DxBlock;
import org.ext4j.core.htree.HtreeIndex;
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
 * Changes directories inside a transaction as the kernel's namei.c and inline.c do: creates the
 * first block (or the inline body) of a new directory, adds entries (into the first dirent with
 * room in a linear directory, into the leaf the hash selects in an indexed one, converting a full
 * one-block directory to an htree, splitting leaves and index blocks and growing the tree),
 * removes entries and rewrites "..". Directories never shrink. The caller owns link counts and
 * timestamps; on any exception it must abort the transaction.
 */
public final class DirectoryWriter {
    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};
    /**
     * EXT4_HTREE_LEVEL_COMPAT and EXT4_HTREE_LEVEL: the index levels (dx_root included) a
     * directory may have without and with large_dir.
     */
    private static final int HTREE_LEVEL_COMPAT = 2;
    private static final int HTREE_LEVEL = 3;
    /**
     * An insertion re-probes the index after each split of an index block or new level; every
     * pass fixes one full level, so a valid tree needs at most a handful.
     */
    private static final int MAX_PASSES = 2 * HTREE_LEVEL + 4;

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
        if (fs.superblock().hasIncompat(Features.INCOMPAT_INLINE_DATA) && initializeInline(tx, inode, parentIno)) {
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
        Dir d = new Dir(tx, dirIno, mayUseReserved);
        NewBlock first = d.append();
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
        Dir d = new Dir(tx, dirIno, mayUseReserved);
        checkIno(d.fs, ino);
        if (DirectoryReader.of(tx, d.inode).lookup(name).isPresent()) {
            throw new Ext4Exception(Errno.EEXIST, "directory inode " + dirIno + " already has an entry "
                    + new String(name, StandardCharsets.UTF_8));
        }
        int fileType = d.typeByte(type);
        if (d.isInline()) {
            if (addInline(d, name, ino, fileType)) {
                return;
            }
            convertInline(d);
        }
        if (d.isIndexed()) {
            addIndexed(d, name, ino, fileType);
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
        Dir d = new Dir(tx, dirIno, mayUseReserved);
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
        Dir d = new Dir(tx, dirIno, mayUseReserved);
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
        Dir d = new Dir(tx, dirIno, mayUseReserved);
        return DirectoryReader.of(tx, d.inode).readdir(0, e -> e.nameEquals(DOT) || e.nameEquals(DOTDOT));
    }

    // ---- linear directories ----

    private static void addLinear(Dir d, byte[] name, long ino, int fileType) {
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
        if (blocks == 1 && d.dirIndex && makeIndexed(d, name, ino, fileType)) {
            return;
        }
        NewBlock fresh = d.append();
        d.emptyLeaf(fresh.data);
        DirentBlock.insert(fresh.data, 0, ino, name, fileType, d.bs);
        d.finishNewLeaf(fresh);
    }

    // ---- indexed directories ----

    /** One index block on the path of a probe, with the entry followed. */
    private record Frame(long lblk, long pblk, DxBlock dx, int at) {
        int count() {
            return dx.count();
        }

        int limit() {
            return dx.limit();
        }

        int entriesOffset() {
            return dx.entriesOffset();
        }
    }

    /** The result of descending the index for a hash: the path and the leaf it selects. */
    private record Probe(Frame[] frames, long leaf, int hash, int hashVersion) {
        Frame bottom() {
            return frames[frames.length - 1];
        }
    }

    /**
     * Converts a full one-block directory to an htree, as make_indexed_dir: the entries after ".."
     * move to a new block 1, block 0 becomes the dx_root pointing to it, block 1 is split at once
     * and the new entry goes where its hash belongs.
     *
     * @return false, changing nothing, when block 0 is not laid out as a dx_root needs ("." of 12
     *         bytes, then "..") or the default hash version is unknown: the directory stays linear
     */
    private static boolean makeIndexed(Dir d, byte[] name, long ino, int fileType) {
        int bs = d.bs;
        int hashVersion = d.fs.superblock().defHashVersion();
        if (!(hashVersion >= DirHash.LEGACY && hashVersion <= DirHash.TEA)) {
            return false;
        }
        long pblk0 = d.pblk(0);
        byte[] block0 = d.readLeaf(0, pblk0);
        int dot = DirentBlock.recLen(1);
        if (!(DirentBlock.recLenAt(block0, 0, bs) == dot && nameIs(block0, 0, DOT) && nameIs(block0, dot, DOTDOT))) {
            return false;
        }
        int dataStart = dot + DirentBlock.recLenAt(block0, dot, bs);
        int end = d.leafEnd();
        if (dataStart >= end) {
            return false;
        }
        NewBlock one = d.append();
        int len = end - dataStart;
        System.arraycopy(block0, dataStart, one.data, 0, len);
        int last = 0;
        // Each step advances by a validated rec_len, so this ends within len / 12 steps.
        while (last + DirentBlock.recLenAt(one.data, last, bs) < len) {
            last += DirentBlock.recLenAt(one.data, last, bs);
        }
        DirentBlock.setRecLen(one.data, last, end - last, bs);
        if (d.csum) {
            DirentBlock.initTail(one.data, bs);
        }
        d.finishNewLeaf(one);

        byte[] root = d.write(pblk0);
        Arrays.fill(root, DxBlock.DX_ROOT_INFO, bs, (byte) 0);
        DirentBlock.setRecLen(root, DxBlock.DOTDOT, bs - DxBlock.DOTDOT, bs);
        root[DxBlock.INFO_HASH_VERSION] = (byte) hashVersion;
        root[DxBlock.INFO_INFO_LENGTH] = (byte) DxBlock.DX_ROOT_INFO_SIZE;
        DxBlock.putCountLimit(root, DxBlock.ROOT_ENTRIES, 1, DxBlock.limitFor(bs, DxBlock.ROOT_ENTRIES, d.csum));
        DxBlock.putEntry(root, DxBlock.ROOT_ENTRIES, 0, 0, one.lblk);
        d.finishDx(pblk0, root, DxBlock.ROOT_ENTRIES);
        d.setFlags(InodeFlags.EXT4_INDEX_FL);

        Probe probe = probe(d, name);
        long target = splitLeaf(d, probe.bottom(), probe.leaf(), probe.hash(), probe.hashVersion());
        if (!insertInto(d, target, name, ino, fileType)) {
            addIndexed(d, name, ino, fileType);
        }
        return true;
    }

    /** Adds an entry to an indexed directory (ext4_dx_add_entry). */
    private static void addIndexed(Dir d, byte[] name, long ino, int fileType) {
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            Probe probe = probe(d, name);
            if (insertInto(d, probe.leaf(), name, ino, fileType)) {
                return;
            }
            Frame[] frames = probe.frames();
            Frame bottom = probe.bottom();
            if (bottom.count() < bottom.limit()) {
                long target = splitLeaf(d, bottom, probe.leaf(), probe.hash(), probe.hashVersion());
                if (insertInto(d, target, name, ino, fileType)) {
                    return;
                }
                continue;
            }
            // The bottom index block is full: split the lowest one whose parent has room, or add a level.
            int level = frames.length - 1;
            while (level > 0 && frames[level - 1].count() == frames[level - 1].limit()) {
                level--;
            }
            if (level > 0) {
                splitNode(d, frames[level], frames[level - 1]);
            } else {
                int max = d.largeDir ? HTREE_LEVEL : HTREE_LEVEL_COMPAT;
                if (frames.length >= max) {
                    throw new Ext4Exception(Errno.ENOSPC, "directory inode " + d.ino + ": the htree index is full at "
                            + frames.length + " levels" + (d.largeDir ? "" : " (the large_dir feature allows 3)"));
                }
                addLevel(d, frames[0], frames.length);
            }
        }
        throw new Ext4Exception(Errno.EIO, "directory inode " + d.ino + ": no room for a new entry after "
                + MAX_PASSES + " splits of the index");
    }

    /** Descends the index to the leaf for {@code name}'s hash, validating every block on the way (dx_probe). */
    private static Probe probe(Dir d, byte[] name) {
        long pblk0 = d.pblk(0);
        byte[] rootBlock = d.read(pblk0);
        long blocks = d.blockCount();
        Superblock sb = d.fs.superblock();
        HtreeIndex.Settings settings = new HtreeIndex.Settings(d.dxContext(), blocks, d.largeDir,
                (sb.flags() & Superblock.FLAGS_UNSIGNED_HASH) != 0, sb.hashSeed());
        HtreeIndex index = HtreeIndex.open(rootBlock, settings, lblk -> d.read(d.pblk(lblk)));
        int hash = index.hash(name).major();
        int levels = index.indirectLevels();
        Frame[] frames = new Frame[levels + 1];
        DxBlock dx = DxBlock.root(rootBlock, d.dxContext());
        frames[0] = new Frame(0, pblk0, dx, dx.find(hash));
        for (int l = 1; l <= levels; l++) {
            long child = childOf(d, frames, l - 1, blocks);
            long pblk = d.pblk(child);
            DxBlock node = DxBlock.node(d.read(pblk), child, d.dxContext());
            frames[l] = new Frame(child, pblk, node, node.find(hash));
        }
        long leaf = childOf(d, frames, levels, blocks);
        return new Probe(frames, leaf, hash, index.hashVersion());
    }

    private static long childOf(Dir d, Frame[] frames, int level, long blocks) {
        Frame f = frames[level];
        long child = f.dx().block(f.at());
        if (!(child > 0 && child < blocks)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, d.ino, CorruptionException.NO_BLOCK, "dx index of directory inode " + d.ino + " (logical block " + f.lblk()
                    + ") entry " + f.at() + ": block " + child + " is outside the directory's " + blocks + " blocks");
        }
        for (int a = 0; a <= level; a++) {
            if (frames[a].lblk() == child) {
                throw new CorruptionException(CorruptionException.Structure.HTREE, d.ino, CorruptionException.NO_BLOCK, "dx index of directory inode " + d.ino + ": block " + child
                        + " points back to an ancestor (loop)");
            }
        }
        return child;
    }

    /** Adds the entry to leaf {@code lblk} if it has room. */
    private static boolean insertInto(Dir d, long lblk, byte[] name, long ino, int fileType) {
        long pblk = d.pblk(lblk);
        byte[] block = d.readLeaf(lblk, pblk);
        int off = DirentBlock.findRoom(block, 0, d.leafEnd(), name.length, d.bs);
        if (off < 0) {
            return false;
        }
        byte[] w = d.write(pblk);
        DirentBlock.insert(w, off, ino, name, fileType, d.bs);
        d.finishLeaf(pblk, w);
        return true;
    }

    /** A live dirent of a leaf being split: where it is, its rec_len and its name's hash. */
    private record Mapped(int off, int recLen, int nameLen, int hash) {
    }

    /**
     * Splits full leaf {@code lblk} as do_split: its entries sorted by hash, the upper ones (about
     * half the bytes) move to a new block, the rest is packed in place, and the new block is
     * indexed in {@code parent} right after the leaf, its hash marked as a continuation when the
     * split falls inside a run of equal hashes.
     *
     * @return the leaf that now covers {@code newHash}
     */
    private static long splitLeaf(Dir d, Frame parent, long lblk, int newHash, int hashVersion) {
        int bs = d.bs;
        int end = d.leafEnd();
        long pblk = d.pblk(lblk);
        byte[] leaf = d.readLeaf(lblk, pblk);
        int[] seed = d.fs.superblock().hashSeed();
        List<Mapped> map = new ArrayList<>();
        for (int off = 0; off < end; ) {
            int rl = DirentBlock.recLenAt(leaf, off, bs);
            if (LittleEndian.u32(leaf, off + DirentBlock.INODE) != 0) {
                int nameLen = LittleEndian.u8(leaf, off + DirentBlock.NAME_LEN);
                int hash = DirHash.hash(leaf, off + DirentBlock.NAME, nameLen, hashVersion, seed).major();
                map.add(new Mapped(off, rl, nameLen, hash));
            }
            off += rl;
        }
        int count = map.size();
        if (count < 2) {
            throw new Ext4Exception(Errno.ENOSPC, d.where(lblk) + ": a full leaf with " + count + " entries cannot be split");
        }
        map.sort((a, b) -> Integer.compareUnsigned(a.hash(), b.hash()));
        // Move entries from the top while more than half of each lies in the upper half of the
        // block; if that never happens the entries are small, and splitting by count leaves each
        // block at least half free.
        int size = 0;
        int move = 0;
        int i = count - 1;
        for (; i >= 0; i--) {
            if (size + map.get(i).recLen() / 2 > bs / 2) {
                break;
            }
            size += map.get(i).recLen();
            move++;
        }
        int split = i > 0 ? count - move : count / 2;
        split = Math.max(1, Math.min(count - 1, split));
        int hash2 = map.get(split).hash();
        boolean continued = hash2 == map.get(split - 1).hash();

        NewBlock fresh = d.append();
        pack(d, leaf, map.subList(split, count), fresh.data);
        List<Mapped> kept = new ArrayList<>(map.subList(0, split));
        kept.sort((a, b) -> Integer.compare(a.off(), b.off()));
        byte[] packed = new byte[bs];
        pack(d, leaf, kept, packed);
        byte[] w = d.write(pblk);
        System.arraycopy(packed, 0, w, 0, end);
        if (d.csum) {
            DirentBlock.initTail(w, bs);
            DirentBlock.initTail(fresh.data, bs);
        }
        d.finishLeaf(pblk, w);
        d.finishNewLeaf(fresh);

        byte[] index = d.write(parent.pblk());
        DxBlock.insertEntry(index, parent.entriesOffset(), parent.at() + 1, hash2 | (continued ? 1 : 0), fresh.lblk);
        d.finishDx(parent.pblk(), index, parent.entriesOffset());
        return Integer.compareUnsigned(newHash, hash2) >= 0 ? fresh.lblk : lblk;
    }

    /** Copies {@code entries} of {@code from} into {@code to} back to back, the last one reaching the end of the leaf space. */
    private static void pack(Dir d, byte[] from, List<Mapped> entries, byte[] to) {
        int pos = 0;
        int last = 0;
        for (Mapped m : entries) {
            int rl = DirentBlock.recLen(m.nameLen());
            System.arraycopy(from, m.off(), to, pos, DirentBlock.NAME + m.nameLen());
            DirentBlock.setRecLen(to, pos, rl, d.bs);
            last = pos;
            pos += rl;
        }
        DirentBlock.setRecLen(to, last, d.leafEnd() - last, d.bs);
    }

    /**
     * Splits full index node {@code node} in two halves; the upper half goes to a new dx_node
     * indexed in {@code parent} right after it.
     */
    private static void splitNode(Dir d, Frame node, Frame parent) {
        int count = node.count();
        int count1 = count / 2;
        int count2 = count - count1;
        int hash2 = node.dx().hash(count1);
        NewBlock fresh = d.append();
        DxBlock.putNodeHeader(fresh.data, d.bs);
        byte[] w = d.write(node.pblk());
        int eo = node.entriesOffset();
        System.arraycopy(w, eo + count1 * DxBlock.ENTRY_SIZE, fresh.data, DxBlock.NODE_ENTRIES, count2 * DxBlock.ENTRY_SIZE);
        DxBlock.putCountLimit(fresh.data, DxBlock.NODE_ENTRIES, count2, DxBlock.limitFor(d.bs, DxBlock.NODE_ENTRIES, d.csum));
        Arrays.fill(w, eo + count1 * DxBlock.ENTRY_SIZE, eo + count * DxBlock.ENTRY_SIZE, (byte) 0);
        DxBlock.putCountLimit(w, eo, count1, node.limit());
        d.finishDx(node.pblk(), w, eo);
        d.finishNewDx(fresh);
        byte[] p = d.write(parent.pblk());
        DxBlock.insertEntry(p, parent.entriesOffset(), parent.at() + 1, hash2, fresh.lblk);
        d.finishDx(parent.pblk(), p, parent.entriesOffset());
    }

    /** Moves all entries of the full dx_root into a new dx_node below it: the tree grows one level. */
    private static void addLevel(Dir d, Frame root, int levels) {
        int count = root.count();
        NewBlock fresh = d.append();
        DxBlock.putNodeHeader(fresh.data, d.bs);
        byte[] w = d.write(root.pblk());
        System.arraycopy(w, DxBlock.ROOT_ENTRIES, fresh.data, DxBlock.NODE_ENTRIES, count * DxBlock.ENTRY_SIZE);
        DxBlock.putCountLimit(fresh.data, DxBlock.NODE_ENTRIES, count, DxBlock.limitFor(d.bs, DxBlock.NODE_ENTRIES, d.csum));
        Arrays.fill(w, DxBlock.ROOT_ENTRIES, DxBlock.ROOT_ENTRIES + count * DxBlock.ENTRY_SIZE, (byte) 0);
        DxBlock.putCountLimit(w, DxBlock.ROOT_ENTRIES, 1, root.limit());
        DxBlock.putEntry(w, DxBlock.ROOT_ENTRIES, 0, 0, fresh.lblk);
        DxBlock.putIndirectLevels(w, levels);
        d.finishNewDx(fresh);
        d.finishDx(root.pblk(), w, DxBlock.ROOT_ENTRIES);
    }

    // ---- inline directories ----

    private static boolean initializeInline(Transaction tx, Inode inode, long parentIno) {
        DiskView fs = tx.fileSystem();
        if (inode.extraIsize() == 0) {
            return false;
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        if (!body.hasSpace() || !body.put(InlineData.SYSTEM_DATA, new byte[0])) {
            return false;
        }
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        LittleEndian.put32(raw, Inode.I_BLOCK, parentIno);
        int first = Inode.I_BLOCK + DirectoryReader.INLINE_DOTDOT_SIZE;
        DirentBlock.setRecLen(raw, first, InlineData.MIN_INLINE_DATA_SIZE - DirectoryReader.INLINE_DOTDOT_SIZE, fs.blockSize());
        int flags = (inode.flags() & ~InodeFlags.EXT4_EXTENTS_FL) | InodeFlags.EXT4_INLINE_DATA_FL;
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        putSize(raw, InlineData.MIN_INLINE_DATA_SIZE);
        InodeStore.write(tx, inode.ino(), raw);
        return true;
    }

    /**
     * Adds an entry to an inline directory (ext4_try_add_inline_entry): into i_block, else into
     * the system.data part, which is first grown to all the room the inode body has when it is
     * empty.
     *
     * @return false, changing nothing, when the entry does not fit inline
     */
    private static boolean addInline(Dir d, byte[] name, long ino, int fileType) {
        byte[] content = InlineData.content(d.fs, d.inode);
        int ib = InlineData.MIN_INLINE_DATA_SIZE;
        // The kernel checks the two parts separately: no dirent may straddle the end of i_block.
        String where = "inline directory inode " + d.ino;
        DirentBlock.walk(content, DirectoryReader.INLINE_DOTDOT_SIZE, ib, 0, d.rules, where, (i, b, o, n, t, p) -> true);
        DirentBlock.walk(content, ib, content.length, 0, d.rules, where, (i, b, o, n, t, p) -> true);
        int off = DirentBlock.findRoom(content, DirectoryReader.INLINE_DOTDOT_SIZE, ib, name.length, d.bs);
        if (off < 0 && content.length == ib) {
            InodeXattrEditor body = InodeXattrEditor.of(d.fs, d.inode);
            int room = body.maxValueSize(InlineData.SYSTEM_DATA) & ~3;
            if (room > DirentBlock.recLen(1)) {
                content = Arrays.copyOf(content, ib + room);
                DirentBlock.setRecLen(content, ib, room, d.bs);
            }
        }
        if (off < 0 && content.length > ib) {
            off = DirentBlock.findRoom(content, ib, content.length, name.length, d.bs);
        }
        if (off < 0) {
            return false;
        }
        DirentBlock.insert(content, off, ino, name, fileType, d.bs);
        d.storeInline(content);
        return true;
    }

    /**
     * Moves an inline directory into a block (ext4_convert_inline_dir): "." and ".." (12 bytes
     * each) are written first, the inline dirents follow unchanged, the last one reaches the end
     * of the block; system.data is removed and i_size becomes one block.
     */
    private static void convertInline(Dir d) {
        DiskView fs = d.fs;
        byte[] content = InlineData.content(fs, d.inode);
        int bs = d.bs;
        int moved = content.length - DirectoryReader.INLINE_DOTDOT_SIZE;
        int start = 2 * DirentBlock.recLen(1);
        if (start + moved > d.leafEnd()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inline directory inode " + d.ino + ": its " + content.length
                    + " bytes do not fit one block");
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, d.inode);
        body.remove(InlineData.SYSTEM_DATA);
        byte[] raw = d.inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        int flags = d.inode.flags() & ~InodeFlags.EXT4_INLINE_DATA_FL;
        if (fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS)) {
            flags |= InodeFlags.EXT4_EXTENTS_FL;
            ExtentTree.putEmptyRoot(raw, Inode.I_BLOCK);
        }
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        putSize(raw, 0);
        InodeStore.write(d.tx, d.ino, raw);
        d.refresh();
        NewBlock first = d.append();
        int dirType = d.typeByte(FileType.DIRECTORY);
        DirentBlock.put(first.data, 0, d.ino, DirentBlock.recLen(1), DOT, dirType, bs);
        DirentBlock.put(first.data, DirentBlock.recLen(1), LittleEndian.u32(content, 0), DirentBlock.recLen(2), DOTDOT,
                dirType, bs);
        System.arraycopy(content, DirectoryReader.INLINE_DOTDOT_SIZE, first.data, start, moved);
        int last = start;
        int end = start + moved;
        // Each step advances by a rec_len the reader validated, so this ends within moved / 12 steps.
        while (last + DirentBlock.recLenAt(first.data, last, bs) < end) {
            last += DirentBlock.recLenAt(first.data, last, bs);
        }
        DirentBlock.setRecLen(first.data, last, d.leafEnd() - last, bs);
        d.finishNewLeaf(first);
    }

    // ---- shared helpers ----

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

    private static boolean nameIs(byte[] block, int off, byte[] name) {
        return LittleEndian.u8(block, off + DirentBlock.NAME_LEN) == name.length
                && Arrays.equals(block, off + DirentBlock.NAME, off + DirentBlock.NAME + name.length, name, 0, name.length);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void putSize(byte[] raw, long size) {
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size & 0xFFFFFFFFL);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
    }

    /** A block just appended to the directory: its logical and physical number and its zeroed working copy. */
    private record NewBlock(long lblk, long pblk, byte[] data) {
    }

    /** One directory being changed in one transaction: its inode as the transaction sees it and the filesystem's rules. */
    private static final class Dir {
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

        Dir(Transaction tx, long ino, boolean mayUseReserved) {
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
            byte[] data;
            if (tx.hasAccess(pblk)) {
                data = tx.getWriteAccess(pblk, BlockRole.NEW);
                Arrays.fill(data, (byte) 0);
            } else {
                data = tx.getCreateAccess(pblk, BlockRole.NEW);
            }
            return new NewBlock(lblk, pblk, data);
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
}
