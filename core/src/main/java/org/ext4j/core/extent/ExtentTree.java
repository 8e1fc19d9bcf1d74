package org.ext4j.core.extent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;

/**
 * An inode's ext4 extent tree, read-only: finds the extent holding a logical block (binary search
 * at each level) and lists all extents. Every node is validated as it is read; the last leaf read
 * is kept so that sequential reads walk the tree once per leaf, not once per block.
 */
public final class ExtentTree implements BlockMap {
    // struct ext4_extent_header
    static final int EH_MAGIC = 0;
    static final int EH_ENTRIES = 2;
    static final int EH_MAX = 4;
    static final int EH_DEPTH = 6;
    static final int EH_GENERATION = 8;
    static final int HEADER_SIZE = 12;
    static final int EXT4_EXT_MAGIC = 0xF30A;

    // struct ext4_extent_idx (an interior entry)
    static final int EI_BLOCK = 0;
    static final int EI_LEAF_LO = 4;
    static final int EI_LEAF_HI = 8;

    // struct ext4_extent (a leaf entry)
    static final int EE_BLOCK = 0;
    static final int EE_LEN = 4;
    static final int EE_START_HI = 6;
    static final int EE_START_LO = 8;

    /** Both entry kinds are 12 bytes. */
    static final int ENTRY_SIZE = 12;
    /** ee_len above this marks an unwritten extent of ee_len - 32768 blocks. */
    static final int EXT_INIT_MAX_LEN = 32768;
    /** The kernel's EXT4_MAX_EXTENT_DEPTH: deeper trees cannot address 2^32 blocks any better. */
    static final int MAX_DEPTH = 5;
    /** struct ext4_extent_tail (one le32 crc32c) follows eh_max entries in a tree block. */
    static final int ET_CHECKSUM_SIZE = 4;
    /** Entries the 60-byte root in i_block holds after its header: (60 - 12) / 12. */
    static final int ROOT_CAPACITY = (BlockMap.I_BLOCK_SIZE - HEADER_SIZE) / ENTRY_SIZE;

    private final DiskView fs;
    private final long ino;
    private final int checksumSeed;
    private final long blocksCount;
    /** The blocks this inode may not map (fixed metadata); every pointer is checked against it. */
    private final SystemZone zone;
    private final Node root;
    /** The leaf (or gap) the last lookup ended in; nodes are immutable, so sharing is safe. */
    private volatile Node lastLeaf;

    /**
     * Writes the root of an empty extent tree over the 60-byte i_block at {@code off} of
     * {@code dst}: eh_magic, no entries, eh_max {@link #ROOT_CAPACITY}, depth 0, the rest zeroed.
     * This is what an inode with EXT4_EXTENTS_FL and no blocks holds.
     */
    public static void putEmptyRoot(byte[] dst, int off) {
        Arrays.fill(dst, off, off + BlockMap.I_BLOCK_SIZE, (byte) 0);
        LittleEndian.put16(dst, off + EH_MAGIC, EXT4_EXT_MAGIC);
        LittleEndian.put16(dst, off + EH_ENTRIES, 0);
        LittleEndian.put16(dst, off + EH_MAX, ROOT_CAPACITY);
        LittleEndian.put16(dst, off + EH_DEPTH, 0);
    }

    /** True when {@code iBlock} (an inode's i_block) is an extent root with no entries. */
    public static boolean isEmptyRoot(byte[] iBlock) {
        return LittleEndian.u16(iBlock, EH_MAGIC) == EXT4_EXT_MAGIC && LittleEndian.u16(iBlock, EH_ENTRIES) == 0;
    }

    /**
     * Reads and validates the root in {@code inode}'s i_block; child blocks are read on demand.
     *
     * @throws CorruptionException when the root header or its entries are invalid
     */
    public ExtentTree(DiskView fs, Inode inode) {
        this.fs = fs;
        this.ino = inode.ino();
        this.checksumSeed = inode.checksumSeed();
        this.blocksCount = fs.blocksCount();
        this.zone = fs.systemZone();
        byte[] iBlock = inode.iBlock();
        String where = "extent tree root of inode " + ino;
        int depth = LittleEndian.u16(iBlock, EH_DEPTH);
        if (!(LittleEndian.u16(iBlock, EH_MAGIC) == EXT4_EXT_MAGIC)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, where + ": bad magic 0x" + Integer.toHexString(LittleEndian.u16(iBlock, EH_MAGIC)));
        }
        if (!(depth <= MAX_DEPTH)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, where + ": depth " + depth + " exceeds " + MAX_DEPTH);
        }
        this.root = parseNode(iBlock, CorruptionException.NO_BLOCK, iBlock.length, depth, 0, LBLK_LIMIT, where, false);
    }

    /** The depth of the tree: 0 when the root in i_block holds the extents themselves. */
    public int depth() {
        return root.depth;
    }

    @Override
    public Mapping map(long lblk, long maxLen) {
        MapBounds.check(lblk, maxLen);
        long limit = MapBounds.limit(lblk, maxLen);
        if (lblk >= LBLK_LIMIT) {
            return Mapping.hole(lblk, maxLen);
        }
        long pos = lblk;
        // A hole that reaches the end of one leaf's range may go on in the next leaf; each round
        // moves to a later leaf, and a tree has fewer leaves than the filesystem has blocks.
        for (long leaves = 0; leaves <= blocksCount; leaves++) {
            Node leaf = leafFor(pos);
            int i = leaf.lastEntryAtOrBefore(pos);
            if (i >= 0 && pos < leaf.lblk[i] + leaf.length[i]) {
                if (pos > lblk) {
                    return Mapping.hole(lblk, pos - lblk);
                }
                long run = Math.min(leaf.lblk[i] + leaf.length[i], limit) - pos;
                return new Mapping(pos, leaf.pblk[i] + (pos - leaf.lblk[i]), run,
                        leaf.unwritten[i] ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED);
            }
            boolean nextInLeaf = i + 1 < leaf.count;
            long holeEnd = nextInLeaf ? leaf.lblk[i + 1] : leaf.end;
            if (holeEnd >= limit || holeEnd >= LBLK_LIMIT) {
                return Mapping.hole(lblk, limit - lblk);
            }
            if (nextInLeaf) {
                return Mapping.hole(lblk, holeEnd - lblk);
            }
            pos = holeEnd;
        }
        throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, "extent tree of inode " + ino + ": more leaves than the filesystem has blocks");
    }

    /**
     * Every extent in logical order, as MAPPED or UNWRITTEN mappings (holes are the gaps). Memory
     * grows only with the blocks actually read, and the walk stops with a CorruptionException if
     * it visits more nodes than the filesystem has blocks.
     */
    public List<Mapping> extents() {
        List<Mapping> all = new ArrayList<>();
        forEachExtent(all::add);
        return all;
    }

    /** Streams every extent in logical order to {@code sink}; see {@link #extents()}. */
    public void forEachExtent(Consumer<Mapping> sink) {
        long[] visited = {0};
        walk(root, sink, visited);
    }

    private void walk(Node node, Consumer<Mapping> sink, long[] visited) {
        if (node.depth == 0) {
            for (int i = 0; i < node.count; i++) {
                sink.accept(new Mapping(node.lblk[i], node.pblk[i], node.length[i],
                        node.unwritten[i] ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED));
            }
            return;
        }
        // Depth strictly decreases on the way down (checked in readChild), so recursion is at
        // most MAX_DEPTH deep; the visit count bounds index blocks shared by several parents.
        for (int i = 0; i < node.count; i++) {
            visited[0]++;
            if (!(visited[0] <= blocksCount)) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, "extent tree of inode " + ino + ": more nodes than the filesystem has blocks");
            }
            walk(readChild(node, i), sink, visited);
        }
    }

    /** The leaf whose range holds {@code lblk}, or an empty gap node when no leaf covers it. */
    private Node leafFor(long lblk) {
        Node cached = lastLeaf;
        if (cached != null && cached.start <= lblk && lblk < cached.end) {
            return cached;
        }
        Node node = root;
        while (node.depth > 0) {
            int i = node.lastEntryAtOrBefore(lblk);
            if (i < 0) {
                // Before the first child of this node: nothing is mapped up to that child's start.
                node = Node.gap(node.start, node.lblk[0]);
                break;
            }
            node = readChild(node, i);
        }
        lastLeaf = node;
        return node;
    }

    /** Reads, checks and parses the child block named by interior entry {@code i} of {@code parent}. */
    private Node readChild(Node parent, int i) {
        long pblk = parent.pblk[i];
        String where = "extent tree of inode " + ino + ", block " + pblk;
        byte[] block = fs.readBlock(pblk);
        if (!(LittleEndian.u16(block, EH_MAGIC) == EXT4_EXT_MAGIC)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, where + ": bad magic 0x" + Integer.toHexString(LittleEndian.u16(block, EH_MAGIC)));
        }
        int depth = LittleEndian.u16(block, EH_DEPTH);
        if (!(depth == parent.depth - 1)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, where + ": depth " + depth + " under a node of depth " + parent.depth);
        }
        long start = parent.lblk[i];
        long end = i + 1 < parent.count ? parent.lblk[i + 1] : parent.end;
        return parseNode(block, pblk, block.length, depth, start, end, where, fs.hasMetadataCsum());
    }

    /**
     * Parses the node at the start of {@code b} (the 60-byte root, {@code nodeBlock} NO_BLOCK, or
     * the whole tree block {@code nodeBlock}) whose entries must lie in logical blocks [start, end).
     */
    private Node parseNode(byte[] b, long nodeBlock, int size, int depth, long start, long end, String where, boolean verifyTail) {
        int entries = LittleEndian.u16(b, EH_ENTRIES);
        int max = LittleEndian.u16(b, EH_MAX);
        int capacity = (size - HEADER_SIZE) / ENTRY_SIZE;
        // The kernel accepts an eh_max below what fits (its test builds use small nodes).
        if (!(max >= 1 && max <= capacity)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": eh_max " + max + " outside 1.." + capacity);
        }
        if (!(entries <= max)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": eh_entries " + entries + " exceeds eh_max " + max);
        }
        if (!(entries > 0 || depth == 0)) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": interior node with no entries");
        }
        if (verifyTail) {
            int tail = HEADER_SIZE + max * ENTRY_SIZE;
            if (!(tail + ET_CHECKSUM_SIZE <= size)) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": no room for the checksum after eh_max " + max);
            }
            int stored = LittleEndian.s32(b, tail);
            int computed = Crc32c.update(checksumSeed, b, 0, tail);
            if (!(stored == computed)) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": checksum 0x" + Integer.toHexString(stored)
                    + " does not match computed 0x" + Integer.toHexString(computed));
            }
        }
        Node node = new Node(depth, start, end, entries);
        long prevEnd = start;
        for (int k = 0; k < entries; k++) {
            int off = HEADER_SIZE + k * ENTRY_SIZE;
            if (depth > 0) {
                long first = LittleEndian.u32(b, off + EI_BLOCK);
                long child = LittleEndian.u32(b, off + EI_LEAF_LO) | (long) LittleEndian.u16(b, off + EI_LEAF_HI) << 32;
                if (!(first >= prevEnd && first < end && (k == 0 || first > node.lblk[k - 1]))) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": index " + k + " starts at logical block " + first + ", outside or out of order in [" + prevEnd + ", " + end + ")");
                }
                if (!zone.isValid(ino, child, 1)) {
                    throw fs.blockError(ino, child, 1, where + ": index " + k);
                }
                node.set(k, first, child, 1, false);
                prevEnd = first;
            } else {
                long first = LittleEndian.u32(b, off + EE_BLOCK);
                int rawLen = LittleEndian.u16(b, off + EE_LEN);
                boolean unwritten = rawLen > EXT_INIT_MAX_LEN;
                int len = unwritten ? rawLen - EXT_INIT_MAX_LEN : rawLen;
                long pblk = LittleEndian.u32(b, off + EE_START_LO) | (long) LittleEndian.u16(b, off + EE_START_HI) << 32;
                if (!(len > 0)) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": extent " + k + " has length 0");
                }
                if (!(first >= prevEnd && first + len <= end)) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, nodeBlock, where + ": extent " + k + " (logical " + first + "+" + len + ") overlaps its neighbour or leaves [" + start + ", " + end + ")");
                }
                if (!zone.isValid(ino, pblk, len)) {
                    throw fs.blockError(ino, pblk, len, where + ": extent " + k + " (logical " + first + ")");
                }
                node.set(k, first, pblk, len, unwritten);
                prevEnd = first + len;
            }
        }
        return node;
    }

    /**
     * One parsed tree node covering logical blocks [start, end). Interior nodes use {@code lblk}
     * (ei_block) and {@code pblk} (the child block); leaves use all four arrays.
     */
    private static final class Node {
        final int depth;
        final long start;
        final long end;
        final int count;
        final long[] lblk;
        final long[] pblk;
        final int[] length;
        final boolean[] unwritten;

        Node(int depth, long start, long end, int count) {
            this.depth = depth;
            this.start = start;
            this.end = end;
            this.count = count;
            this.lblk = new long[count];
            this.pblk = new long[count];
            this.length = new int[count];
            this.unwritten = new boolean[count];
        }

        /** An empty leaf standing for [start, end), where no extent exists. */
        static Node gap(long start, long end) {
            return new Node(0, start, end, 0);
        }

        void set(int k, long first, long physical, int len, boolean uninit) {
            lblk[k] = first;
            pblk[k] = physical;
            length[k] = len;
            unwritten[k] = uninit;
        }

        /** Index of the last entry starting at or before {@code target}, or -1. */
        int lastEntryAtOrBefore(long target) {
            int lo = 0;
            int hi = count - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (lblk[mid] <= target) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found;
        }
    }
}
