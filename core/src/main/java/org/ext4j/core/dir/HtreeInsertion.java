package org.ext4j.core.dir;

import static org.ext4j.core.dir.DirectoryChange.DOT;
import static org.ext4j.core.dir.DirectoryChange.DOTDOT;
import static org.ext4j.core.dir.DirectoryChange.nameIs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.htree.DirHash;
import org.ext4j.core.htree.DxBlock;
import org.ext4j.core.htree.HtreeIndex;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Adding an entry to an indexed (htree) directory as the kernel's namei.c does: converting a
 * full one-block directory to an htree (make_indexed_dir), descending the index to the leaf the
 * name's hash selects, splitting a full leaf at a hash boundary, splitting full index blocks and
 * adding a level when the tree allows one (large_dir decides how many).
 */
final class HtreeInsertion {
    private HtreeInsertion() {
    }

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
    static boolean makeIndexed(DirectoryChange d, byte[] name, long ino, int fileType) {
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
        DirectoryChange.NewBlock one = d.append();
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
    static void addIndexed(DirectoryChange d, byte[] name, long ino, int fileType) {
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
    private static Probe probe(DirectoryChange d, byte[] name) {
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

    private static long childOf(DirectoryChange d, Frame[] frames, int level, long blocks) {
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
    private static boolean insertInto(DirectoryChange d, long lblk, byte[] name, long ino, int fileType) {
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
    private static long splitLeaf(DirectoryChange d, Frame parent, long lblk, int newHash, int hashVersion) {
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

        DirectoryChange.NewBlock fresh = d.append();
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
    private static void pack(DirectoryChange d, byte[] from, List<Mapped> entries, byte[] to) {
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
    private static void splitNode(DirectoryChange d, Frame node, Frame parent) {
        int count = node.count();
        int count1 = count / 2;
        int count2 = count - count1;
        int hash2 = node.dx().hash(count1);
        DirectoryChange.NewBlock fresh = d.append();
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
    private static void addLevel(DirectoryChange d, Frame root, int levels) {
        int count = root.count();
        DirectoryChange.NewBlock fresh = d.append();
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
}
