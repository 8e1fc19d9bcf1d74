package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.EH_ENTRIES;
import static org.ext4j.core.extent.ExtentTree.EH_MAGIC;
import static org.ext4j.core.extent.ExtentTree.EH_MAX;
import static org.ext4j.core.extent.ExtentTree.ENTRY_SIZE;
import static org.ext4j.core.extent.ExtentTree.ET_CHECKSUM_SIZE;
import static org.ext4j.core.extent.ExtentTree.EXT4_EXT_MAGIC;
import static org.ext4j.core.extent.ExtentTree.EXT_INIT_MAX_LEN;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;
import static org.ext4j.core.extent.ExtentTree.MAX_DEPTH;
import static org.ext4j.core.extent.ExtentTree.ROOT_CAPACITY;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.BlockRun;
import org.ext4j.core.disk.Crc32c;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.Transaction;

/**
 * Changes an inode's ext4 extent tree inside a transaction: inserts extents (merging with
 * neighbours, splitting full leaves and index nodes, growing the depth by moving the root into a
 * new block), cuts and removes them (freeing emptied tree blocks, pulling a small enough tree
 * back into i_block), flips extents between written and unwritten, and moves the extents past
 * a point up or down (collapse and insert range).
 *
 * <p>Invariant kept in every tree it writes: an index entry's ei_block equals the first logical
 * block of its child, so a lookup descends to the child whose key is the last at or before the
 * block, and a node's first key changing is propagated upwards.
 */
final class ExtentTreeWriter implements BlockMapWriter {
    /** EXT_MAX_BLOCKS: ee_block is 32 bits and the last block must stay addressable by ee_len. */
    static final long LBLK_END = 0xFFFF_FFFFL;
    /** Longest initialized extent (ee_len 32768). */
    static final int MAX_INIT_LEN = EXT_INIT_MAX_LEN;
    /** Longest unwritten extent (ee_len 65535 = 32768 + 32767). */
    static final int MAX_UNWRITTEN_LEN = EXT_INIT_MAX_LEN - 1;

    private final Transaction tx;
    private final long ino;
    private final BlockAllocator allocator;
    private final boolean mayUseReserved;
    private final DiskView fs;
    private final int blockSize;
    private final int nodeCapacity;
    private final long blocksCount;
    /** The blocks this inode may not map; every pointer read is checked against it. */
    private final SystemZone zone;
    private final boolean metadataCsum;
    private final boolean hugeFile;

    ExtentTreeWriter(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved) {
        this.tx = tx;
        this.ino = ino;
        this.allocator = allocator;
        this.mayUseReserved = mayUseReserved;
        this.fs = tx.fileSystem();
        this.blockSize = fs.blockSize();
        // The tail checksum needs 4 bytes after eh_max entries; blockSize - 12 leaves 4 spare
        // bytes for every power-of-two block size, so the capacity is the same with or without csum.
        this.nodeCapacity = (blockSize - HEADER_SIZE - ET_CHECKSUM_SIZE) / ENTRY_SIZE;
        this.blocksCount = fs.blocksCount();
        this.zone = fs.systemZone();
        this.metadataCsum = fs.hasMetadataCsum();
        this.hugeFile = InodeBlockCount.hugeFile(fs.superblock());
    }

    @Override
    public long addressableBlocks() {
        return LBLK_END;
    }

    @Override
    public boolean supportsUnwritten() {
        return true;
    }

    @Override
    public List<Mapping> allocate(long lblk, long count, boolean unwritten) {
        checkRange(lblk, count);
        Op op = new Op(true);
        List<Mapping> out = HoleFiller.fill(tx, allocator, mayUseReserved, new HoleFiller.Cursor() {
            @Override
            public Mapping map(long at, long maxLen) {
                return op.map(at, maxLen);
            }

            @Override
            public long goal(long at) {
                return op.goal(at);
            }

            @Override
            public Mapping place(long at, BlockRun run) {
                op.insert(at, run.start(), run.length(), unwritten);
                return new Mapping(at, run.start(), run.length(), unwritten ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED);
            }

            @Override
            public void countBlocks(long blocks) {
                op.blocksDelta += blocks;
            }
        }, lblk, count);
        op.finish();
        return out;
    }

    /**
     * Maps the hole [{@code lblk}, {@code lblk + count}) to the blocks from {@code pblk} on,
     * which the inode already owns and counts in i_blocks (an indirect map becoming this tree):
     * only the tree blocks the insertion needs are allocated and counted.
     */
    void mapOwned(long lblk, long pblk, long count) {
        checkRange(lblk, count);
        Op op = new Op(true);
        op.insert(lblk, pblk, count, false);
        op.finish();
    }

    @Override
    public void free(long fromLblk, long toLblkExclusive) {
        if (fromLblk < 0 || toLblkExclusive < fromLblk) {
            throw new IllegalArgumentException("free(" + fromLblk + ", " + toLblkExclusive + "): bad range");
        }
        long to = Math.min(toLblkExclusive, LBLK_END);
        if (fromLblk >= to) {
            return;
        }
        Op op = new Op(true);
        op.unmap(fromLblk, to, true);
        op.finish();
    }

    @Override
    public void convertUnwritten(long lblk, long count) {
        checkRange(lblk, count);
        Op op = new Op(true);
        op.convert(lblk, lblk + count, false);
        op.finish();
    }

    @Override
    public void convertToUnwritten(long lblk, long count) {
        checkRange(lblk, count);
        Op op = new Op(true);
        op.convert(lblk, lblk + count, true);
        op.finish();
    }

    @Override
    public void collapseRange(long lblk, long count) {
        checkRange(lblk, count);
        Op op = new Op(true);
        op.unmap(lblk, lblk + count, true);
        op.shift(lblk + count, -count);
        op.finish();
    }

    @Override
    public void insertRange(long lblk, long count) {
        checkRange(lblk, count);
        Op op = new Op(true);
        long lastEnd = op.lastExtentEnd();
        if (lastEnd > lblk && count > LBLK_END - lastEnd) {
            throw new Ext4Exception(Errno.EINVAL, "inserting " + count + " blocks at " + lblk + " into inode " + ino
                    + " would move its extent ending at " + lastEnd + " past the last logical block");
        }
        // An extent over the insertion point is cut there; its tail moves with the rest and
        // keeps its written or unwritten state, as the kernel's split does.
        Path p = op.lookup(lblk);
        byte[] b = p.leaf().b;
        int i = p.leafPos();
        long tailPblk = -1;
        long tailLen = 0;
        boolean tailUninit = false;
        if (i >= 0 && ExtentNodes.key(b, i) < lblk && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) > lblk) {
            tailPblk = ExtentNodes.start(b, i) + (lblk - ExtentNodes.key(b, i));
            tailLen = ExtentNodes.key(b, i) + ExtentNodes.length(b, i) - lblk;
            tailUninit = ExtentNodes.unwritten(b, i);
            op.unmap(lblk, lblk + tailLen, false);
        }
        op.shift(lblk, count);
        if (tailLen > 0) {
            op.insert(lblk + count, tailPblk, tailLen, tailUninit);
        }
        op.finish();
    }

    @Override
    public Mapping map(long lblk, long maxLen) {
        MapBounds.check(lblk, maxLen);
        if (lblk >= LBLK_END) {
            return Mapping.hole(lblk, maxLen);
        }
        return new Op(false).map(lblk, maxLen);
    }

    /** Every extent in logical order, as the transaction sees the tree. */
    public List<Mapping> extents() {
        Op op = new Op(false);
        List<Mapping> out = new ArrayList<>();
        long pos = 0;
        for (long guard = 0; guard <= blocksCount; guard++) {
            Path p = op.nextExtent(pos);
            if (p == null) {
                return out;
            }
            byte[] b = p.leaf().b;
            int i = p.leafPos();
            long key = ExtentNodes.key(b, i);
            out.add(new Mapping(key, ExtentNodes.start(b, i), ExtentNodes.length(b, i), ExtentNodes.unwritten(b, i) ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED));
            pos = key + ExtentNodes.length(b, i);
        }
        throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, "extent tree of inode " + ino + ": more extents than the filesystem has blocks");
    }

    /** The current depth of the tree (0: the extents are in i_block). */
    public int depth() {
        return ExtentNodes.depth(new Op(false).root.b);
    }

    private void checkRange(long lblk, long count) {
        if (lblk < 0 || count < 1) {
            throw new IllegalArgumentException("range " + lblk + " (+" + count + ") is empty or negative");
        }
        if (lblk >= LBLK_END || count > LBLK_END - lblk) {
            throw new Ext4Exception(Errno.EFBIG, "logical blocks " + lblk + " (+" + count + ") of inode " + ino
                    + " lie past the last block an extent can map (" + (LBLK_END - 1) + ")");
        }
    }

    private static int maxLength(boolean uninit) {
        return uninit ? MAX_UNWRITTEN_LEN : MAX_INIT_LEN;
    }

    // ---- one operation -----------------------------------------------------------------------

    /** A tree node: the root (pblk 0, a copy of i_block written back at the end) or a tree block. */
    private static final class Node {
        final long pblk;
        final byte[] b;

        Node(long pblk, byte[] b) {
            this.pblk = pblk;
            this.b = b;
        }
    }

    /** The nodes from the root down to a leaf, and the entry taken at each (the leaf's may be -1). */
    private static final class Path {
        final Node[] nodes;
        final int[] pos;

        Path(int depth) {
            nodes = new Node[depth + 1];
            pos = new int[depth + 1];
        }

        int depth() {
            return nodes.length - 1;
        }

        Node leaf() {
            return nodes[nodes.length - 1];
        }

        int leafPos() {
            return pos[pos.length - 1];
        }
    }

    /**
     * The state of one public call: the inode as read, the root, the tree blocks visited (write
     * access when the call changes the tree) and what changed. {@link #finish} writes it all.
     */
    private final class Op {
        final boolean writable;
        final byte[] inodeRaw;
        final boolean regularFile;
        final int checksumSeed;
        final Node root;
        final Map<Long, Node> loaded = new HashMap<>();
        final Set<Node> dirty = new LinkedHashSet<>();
        boolean rootDirty;
        long blocksDelta;

        Op(boolean writable) {
            this.writable = writable;
            Inode inode = InodeStore.read(tx, ino);
            this.inodeRaw = inode.raw();
            this.regularFile = inode.type() == FileType.REGULAR;
            this.checksumSeed = inode.checksumSeed();
            byte[] rootBytes = inode.iBlock();
            boolean blank = true;
            for (byte x : rootBytes) {
                blank &= x == 0;
            }
            if (blank) {
                // An inode given EXT4_EXTENTS_FL by a creator that left i_block zeroed: an empty tree.
                ExtentTree.putEmptyRoot(rootBytes, 0);
                rootDirty = writable;
            }
            this.root = new Node(0, rootBytes);
            validate(root, ExtentNodes.depth(rootBytes), 0, LBLK_END + 1, "extent tree root of inode " + ino, ROOT_CAPACITY);
        }

        /** Writes the changed tree blocks (with their checksums), i_block and i_blocks. */
        void finish() {
            shrink();
            for (Node n : dirty) {
                if (metadataCsum) {
                    int tail = HEADER_SIZE + ExtentNodes.maxEntries(n.b) * ENTRY_SIZE;
                    LittleEndian.put32(n.b, tail, Crc32c.update(checksumSeed, n.b, 0, tail));
                }
                tx.markDirty(n.pblk);
            }
            if (rootDirty || blocksDelta != 0) {
                System.arraycopy(root.b, 0, inodeRaw, Inode.I_BLOCK, BlockMap.I_BLOCK_SIZE);
                InodeBlockCount.add(inodeRaw, ino, hugeFile, blockSize, blocksDelta);
                InodeStore.write(tx, ino, inodeRaw);
            }
        }

        void markDirty(Node n) {
            if (n.pblk == 0) {
                rootDirty = true;
            } else {
                dirty.add(n);
            }
        }

        /** Reads (or finds among those already read) the tree block {@code pblk}, checking it. */
        Node load(long pblk, int expectedDepth, long start, long end) {
            Node n = loaded.get(pblk);
            if (n != null) {
                if (ExtentNodes.depth(n.b) != expectedDepth) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, "extent tree of inode " + ino + ": block " + pblk + " is reached at two depths");
                }
                return n;
            }
            if (!zone.isValid(ino, pblk, 1)) {
                throw fs.blockError(ino, pblk, 1, "extent tree of inode " + ino + ": index");
            }
            byte[] b = writable ? tx.getWriteAccess(pblk, BlockRole.METADATA) : tx.read(pblk);
            n = new Node(pblk, b);
            String where = "extent tree of inode " + ino + ", block " + pblk;
            if (ExtentNodes.depth(b) != expectedDepth) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, where + ": depth " + ExtentNodes.depth(b) + ", expected " + expectedDepth);
            }
            validate(n, expectedDepth, start, end, where, nodeCapacity);
            if (metadataCsum) {
                int tail = HEADER_SIZE + ExtentNodes.maxEntries(b) * ENTRY_SIZE;
                int stored = LittleEndian.s32(b, tail);
                int computed = Crc32c.update(checksumSeed, b, 0, tail);
                if (stored != computed) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, where + ": checksum 0x" + Integer.toHexString(stored)
                            + " does not match computed 0x" + Integer.toHexString(computed));
                }
            }
            loaded.put(pblk, n);
            return n;
        }

        /** Checks a node's header and entries: keys ordered within [start, end), extents inside the filesystem. */
        void validate(Node n, int expectedDepth, long start, long end, String where, int capacity) {
            byte[] b = n.b;
            if (LittleEndian.u16(b, EH_MAGIC) != EXT4_EXT_MAGIC) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": bad magic 0x" + Integer.toHexString(LittleEndian.u16(b, EH_MAGIC)));
            }
            int depth = ExtentNodes.depth(b);
            int max = ExtentNodes.maxEntries(b);
            int count = ExtentNodes.entries(b);
            if (depth > MAX_DEPTH) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": depth " + depth + " exceeds " + MAX_DEPTH);
            }
            if (depth != expectedDepth) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": depth " + depth + ", expected " + expectedDepth);
            }
            if (max < 1 || max > capacity || count > max) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": eh_entries " + count + ", eh_max " + max + " (capacity " + capacity + ")");
            }
            if (depth > 0 && count == 0) {
                throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": interior node with no entries");
            }
            long prevEnd = start;
            for (int i = 0; i < count; i++) {
                long k = ExtentNodes.key(b, i);
                if (depth > 0) {
                    long c = ExtentNodes.child(b, i);
                    if (k < prevEnd || k >= end || (i > 0 && k <= ExtentNodes.key(b, i - 1))) {
                        throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": index " + i + " key " + k + " out of order in [" + start + ", " + end + ")");
                    }
                    if (!zone.isValid(ino, c, 1)) {
                        throw fs.blockError(ino, c, 1, where + ": index " + i);
                    }
                    prevEnd = k;
                } else {
                    long len = ExtentNodes.length(b, i);
                    long p = ExtentNodes.start(b, i);
                    if (len == 0 || k < prevEnd || k + len > end) {
                        throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, n.pblk == 0 ? CorruptionException.NO_BLOCK : n.pblk, where + ": extent " + i + " (logical " + k + "+" + len
                                + ") overlaps its neighbour or leaves [" + start + ", " + end + ")");
                    }
                    if (!zone.isValid(ino, p, len)) {
                        throw fs.blockError(ino, p, len, where + ": extent " + i + " (logical " + k + ")");
                    }
                    prevEnd = k + len;
                }
            }
        }

        /** The path from the root to the leaf whose range holds {@code lblk}. */
        Path lookup(long lblk) {
            int d = ExtentNodes.depth(root.b);
            Path p = new Path(d);
            p.nodes[0] = root;
            long end = LBLK_END + 1;
            for (int l = 0; l < d; l++) {
                byte[] b = p.nodes[l].b;
                int i = Math.max(0, ExtentNodes.lastAtOrBefore(b, lblk));
                p.pos[l] = i;
                if (i + 1 < ExtentNodes.entries(b)) {
                    end = ExtentNodes.key(b, i + 1);
                }
                p.nodes[l + 1] = load(ExtentNodes.child(b, i), d - l - 1, ExtentNodes.key(b, i), end);
            }
            p.pos[d] = ExtentNodes.lastAtOrBefore(p.leaf().b, lblk);
            return p;
        }

        /** The path to the first extent ending after {@code lblk}, or null when there is none. */
        Path nextExtent(long lblk) {
            Path p = lookup(lblk);
            for (long guard = 0; guard <= blocksCount; guard++) {
                byte[] b = p.leaf().b;
                int i = p.leafPos();
                if (i >= 0 && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) > lblk) {
                    return p;
                }
                if (i + 1 < ExtentNodes.entries(b)) {
                    p.pos[p.depth()] = i + 1;
                    return p;
                }
                long next = -1;
                for (int l = p.depth() - 1; l >= 0 && next < 0; l--) {
                    if (p.pos[l] + 1 < ExtentNodes.entries(p.nodes[l].b)) {
                        next = ExtentNodes.key(p.nodes[l].b, p.pos[l] + 1);
                    }
                }
                if (next < 0) {
                    return null;
                }
                p = lookup(next);
                // Start before the leaf's first entry: the loop takes entry 0 next.
                p.pos[p.depth()] = -1;
            }
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, "extent tree of inode " + ino + ": more leaves than the filesystem has blocks");
        }

        /** The run at {@code lblk} (see {@link BlockMap#map}). */
        Mapping map(long lblk, long maxLen) {
            long requested = MapBounds.limit(lblk, maxLen);
            long limit = Math.min(requested, LBLK_END);
            Path p = lookup(lblk);
            byte[] b = p.leaf().b;
            int i = p.leafPos();
            if (i >= 0 && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) > lblk) {
                long end = Math.min(ExtentNodes.key(b, i) + ExtentNodes.length(b, i), limit);
                return new Mapping(lblk, ExtentNodes.start(b, i) + (lblk - ExtentNodes.key(b, i)), end - lblk,
                        ExtentNodes.unwritten(b, i) ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED);
            }
            Path next = nextExtent(lblk);
            long holeEnd = next == null ? requested : Math.min(ExtentNodes.key(next.leaf().b, next.leafPos()), requested);
            return Mapping.hole(lblk, holeEnd - lblk);
        }

        /**
         * Where to look for blocks for logical block {@code lblk}: just after the physical block
         * of the extent before it (so a file grows contiguously), else near the leaf, else the
         * inode's group.
         */
        long goal(long lblk) {
            Path p = lookup(lblk);
            byte[] b = p.leaf().b;
            int i = p.leafPos();
            if (i >= 0) {
                long g = ExtentNodes.start(b, i) + (lblk - ExtentNodes.key(b, i));
                if (g < blocksCount) {
                    return g;
                }
            }
            if (p.depth() > 0) {
                return p.leaf().pblk;
            }
            if (ExtentNodes.entries(b) > 0 && ExtentNodes.start(b, 0) > ExtentNodes.key(b, 0) - lblk) {
                return ExtentNodes.start(b, 0) - (ExtentNodes.key(b, 0) - lblk);
            }
            return allocator.goalForInode(ino, regularFile);
        }

        /** Inserts [lblk, lblk+len) → pblk as extents of at most the maximum length each. */
        void insert(long lblk, long pblk, long len, boolean uninit) {
            long done = 0;
            while (done < len) {
                long piece = Math.min(len - done, maxLength(uninit));
                insertOne(lblk + done, pblk + done, piece, uninit);
                done += piece;
            }
        }

        /** Inserts one extent into a hole, merging it into a neighbour when they are contiguous. */
        void insertOne(long lblk, long pblk, long len, boolean uninit) {
            int limit = maxLength(uninit);
            for (int attempt = 0; attempt < 4 * (MAX_DEPTH + 2); attempt++) {
                Path p = lookup(lblk);
                Node leaf = p.leaf();
                byte[] b = leaf.b;
                int i = p.leafPos();
                int n = ExtentNodes.entries(b);
                if (i >= 0 && ExtentNodes.unwritten(b, i) == uninit && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) == lblk
                        && ExtentNodes.start(b, i) + ExtentNodes.length(b, i) == pblk && ExtentNodes.length(b, i) + len <= limit) {
                    long merged = ExtentNodes.length(b, i) + len;
                    ExtentNodes.setLength(b, i, merged, uninit);
                    if (i + 1 < n && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i + 1) == lblk + len
                            && ExtentNodes.start(b, i + 1) == pblk + len && merged + ExtentNodes.length(b, i + 1) <= limit) {
                        ExtentNodes.setLength(b, i, merged + ExtentNodes.length(b, i + 1), uninit);
                        ExtentNodes.removeSlot(b, i + 1);
                    }
                    markDirty(leaf);
                    return;
                }
                if (i + 1 < n && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i + 1) == lblk + len
                        && ExtentNodes.start(b, i + 1) == pblk + len && ExtentNodes.length(b, i + 1) + len <= limit) {
                    ExtentNodes.setExtent(b, i + 1, lblk, pblk, len + ExtentNodes.length(b, i + 1), uninit);
                    markDirty(leaf);
                    if (i + 1 == 0) {
                        fixIndexes(p, p.depth());
                    }
                    return;
                }
                if (n < ExtentNodes.maxEntries(b)) {
                    ExtentNodes.insertSlot(b, i + 1);
                    ExtentNodes.setExtent(b, i + 1, lblk, pblk, len, uninit);
                    markDirty(leaf);
                    if (i + 1 == 0) {
                        fixIndexes(p, p.depth());
                    }
                    return;
                }
                makeRoom(p, p.depth(), pblk);
            }
            throw new IllegalStateException("extent tree of inode " + ino + ": no room made for logical block " + lblk);
        }

        /** Makes room in the full node at level {@code level} of {@code p}: split it, or grow the tree. */
        void makeRoom(Path p, int level, long goal) {
            Node node = p.nodes[level];
            if (level == 0) {
                growDepth(goal);
                return;
            }
            if (ExtentNodes.maxEntries(node.b) < nodeCapacity) {
                // Written with a small eh_max by another tool: use the whole block first.
                LittleEndian.put16(node.b, EH_MAX, nodeCapacity);
                markDirty(node);
                return;
            }
            Node parent = p.nodes[level - 1];
            if (ExtentNodes.entries(parent.b) >= ExtentNodes.maxEntries(parent.b)) {
                makeRoom(p, level - 1, goal);
                return;
            }
            split(p, level, goal);
        }

        /** Moves the root's entries into a new block and makes the root a single index above it. */
        void growDepth(long goal) {
            int d = ExtentNodes.depth(root.b);
            if (d >= MAX_DEPTH) {
                throw new Ext4Exception(Errno.EFBIG, "extent tree of inode " + ino + " would exceed depth " + MAX_DEPTH);
            }
            Node moved = newNode(goal);
            int n = ExtentNodes.entries(root.b);
            ExtentNodes.setHeader(moved.b, n, nodeCapacity, d);
            System.arraycopy(root.b, HEADER_SIZE, moved.b, HEADER_SIZE, n * ENTRY_SIZE);
            long firstKey = n > 0 ? ExtentNodes.key(root.b, 0) : 0;
            Arrays.fill(root.b, HEADER_SIZE, root.b.length, (byte) 0);
            ExtentNodes.setHeader(root.b, 1, ExtentNodes.maxEntries(root.b), d + 1);
            ExtentNodes.setIndex(root.b, 0, firstKey, moved.pblk);
            markDirty(moved);
            markDirty(root);
        }

        /**
         * Splits the full node at {@code level} into itself and a new right sibling. When the
         * insertion point is past its last entry (a file growing at its end) only the last entry
         * moves, so sequentially written files keep nearly full leaves.
         */
        void split(Path p, int level, long goal) {
            Node node = p.nodes[level];
            byte[] b = node.b;
            int n = ExtentNodes.entries(b);
            int k = p.pos[level] >= n - 1 ? n - 1 : n / 2;
            k = Math.max(1, k);
            Node right = newNode(goal);
            ExtentNodes.setHeader(right.b, n - k, nodeCapacity, ExtentNodes.depth(b));
            System.arraycopy(b, ExtentNodes.at(k), right.b, ExtentNodes.at(0), (n - k) * ENTRY_SIZE);
            Arrays.fill(b, ExtentNodes.at(k), ExtentNodes.at(n), (byte) 0);
            LittleEndian.put16(b, EH_ENTRIES, k);
            Node parent = p.nodes[level - 1];
            int slot = p.pos[level - 1] + 1;
            ExtentNodes.insertSlot(parent.b, slot);
            ExtentNodes.setIndex(parent.b, slot, ExtentNodes.key(right.b, 0), right.pblk);
            markDirty(node);
            markDirty(right);
            markDirty(parent);
        }

        /** Allocates a zeroed tree block near {@code goal}. */
        Node newNode(long goal) {
            List<BlockRun> runs = allocator.allocate(tx, goal, 1, mayUseReserved);
            long pblk = runs.get(0).start();
            blocksDelta++;
            byte[] b;
            if (tx.hasAccess(pblk)) {
                // Freed earlier in this transaction (a tree block given back): reuse its working copy.
                b = tx.getWriteAccess(pblk, BlockRole.NEW);
                Arrays.fill(b, (byte) 0);
            } else {
                b = tx.getCreateAccess(pblk, BlockRole.NEW);
            }
            Node n = new Node(pblk, b);
            loaded.put(pblk, n);
            return n;
        }

        void freeNode(Node n) {
            loaded.remove(n.pblk);
            dirty.remove(n);
            allocator.free(tx, n.pblk, 1);
            blocksDelta--;
        }

        /** Copies a node's first key into its ancestors' entries for as long as it is their first. */
        void fixIndexes(Path p, int level) {
            byte[] b = p.nodes[level].b;
            if (ExtentNodes.entries(b) == 0) {
                return;
            }
            long first = ExtentNodes.key(b, 0);
            for (int l = level - 1; l >= 0; l--) {
                Node parent = p.nodes[l];
                int i = p.pos[l];
                if (ExtentNodes.key(parent.b, i) == first) {
                    return;
                }
                ExtentNodes.setKey(parent.b, i, first);
                markDirty(parent);
                if (i != 0) {
                    return;
                }
            }
        }

        /** Removes entry {@code i} of the node at {@code level}; an emptied block is freed and unlinked. */
        void removeEntry(Path p, int level, int i) {
            Node node = p.nodes[level];
            ExtentNodes.removeSlot(node.b, i);
            markDirty(node);
            if (ExtentNodes.entries(node.b) > 0) {
                if (i == 0) {
                    fixIndexes(p, level);
                }
                return;
            }
            if (level == 0) {
                // The whole tree is gone: the root becomes an empty leaf again.
                ExtentNodes.setHeader(root.b, 0, ExtentNodes.maxEntries(root.b), 0);
                return;
            }
            freeNode(node);
            removeEntry(p, level - 1, p.pos[level - 1]);
        }

        /** Pulls the only child of the root into i_block while its entries fit there. */
        void shrink() {
            for (int guard = 0; guard < MAX_DEPTH; guard++) {
                int d = ExtentNodes.depth(root.b);
                if (d == 0 || ExtentNodes.entries(root.b) != 1) {
                    return;
                }
                Node only = load(ExtentNodes.child(root.b, 0), d - 1, ExtentNodes.key(root.b, 0), LBLK_END + 1);
                int n = ExtentNodes.entries(only.b);
                if (n > ExtentNodes.maxEntries(root.b)) {
                    return;
                }
                Arrays.fill(root.b, HEADER_SIZE, root.b.length, (byte) 0);
                System.arraycopy(only.b, HEADER_SIZE, root.b, HEADER_SIZE, n * ENTRY_SIZE);
                ExtentNodes.setHeader(root.b, n, ExtentNodes.maxEntries(root.b), d - 1);
                markDirty(root);
                freeNode(only);
            }
        }

        /**
         * Removes the mappings of [from, to): extents inside go, extents over an edge are cut.
         * With {@code freeData} their blocks go back to the allocator, otherwise the caller
         * re-inserts them.
         */
        void unmap(long from, long to, boolean freeData) {
            for (long guard = 0; guard <= blocksCount + 1; guard++) {
                Path p = nextExtent(from);
                if (p == null) {
                    return;
                }
                Node leaf = p.leaf();
                byte[] b = leaf.b;
                int i = p.leafPos();
                long s = ExtentNodes.key(b, i);
                long e = s + ExtentNodes.length(b, i);
                long pb = ExtentNodes.start(b, i);
                boolean uninit = ExtentNodes.unwritten(b, i);
                if (s >= to) {
                    return;
                }
                if (s < from) {
                    ExtentNodes.setLength(b, i, from - s, uninit);
                    markDirty(leaf);
                    if (e > to) {
                        release(pb + (from - s), to - from, freeData);
                        insert(to, pb + (to - s), e - to, uninit);
                        return;
                    }
                    release(pb + (from - s), e - from, freeData);
                } else if (e > to) {
                    ExtentNodes.setExtent(b, i, to, pb + (to - s), e - to, uninit);
                    markDirty(leaf);
                    if (i == 0) {
                        fixIndexes(p, p.depth());
                    }
                    release(pb, to - s, freeData);
                    return;
                } else {
                    removeEntry(p, p.depth(), i);
                    release(pb, e - s, freeData);
                }
            }
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, CorruptionException.NO_BLOCK, "extent tree of inode " + ino + ": more extents than the filesystem has blocks");
        }

        /** The logical block after the file's last extent (0 for an empty tree). */
        long lastExtentEnd() {
            Path p = lookup(LBLK_END);
            byte[] b = p.leaf().b;
            int i = p.leafPos();
            return i < 0 ? 0 : ExtentNodes.key(b, i) + ExtentNodes.length(b, i);
        }

        /**
         * Moves every extent that starts at or after {@code from} by {@code delta} blocks (down
         * for a collapse, up for an insert), with the index entries above them; the caller has
         * made sure the moved extents land in a hole. Extents of one leaf that become
         * contiguous merge, as the kernel's shift merges them.
         */
        void shift(long from, long delta) {
            shiftNode(root, ExtentNodes.depth(root.b), from, delta, LBLK_END + 1, new HashSet<>());
        }

        private void shiftNode(Node n, int d, long from, long delta, long end, Set<Long> visited) {
            byte[] b = n.b;
            if (d == 0) {
                boolean moved = false;
                for (int i = 0; i < ExtentNodes.entries(b); i++) {
                    if (ExtentNodes.key(b, i) >= from) {
                        ExtentNodes.setKey(b, i, ExtentNodes.key(b, i) + delta);
                        moved = true;
                    }
                }
                if (moved) {
                    mergeMoved(b, from + delta);
                    markDirty(n);
                }
                return;
            }
            for (int i = 0; i < ExtentNodes.entries(b); i++) {
                long childEnd = i + 1 < ExtentNodes.entries(b) ? ExtentNodes.key(b, i + 1) : end;
                if (childEnd <= from) {
                    continue;
                }
                long pblk = ExtentNodes.child(b, i);
                if (!visited.add(pblk)) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, "extent tree of inode " + ino + ": block " + pblk + " is referenced twice");
                }
                Node c = load(pblk, d - 1, ExtentNodes.key(b, i), childEnd);
                shiftNode(c, d - 1, from, delta, childEnd, visited);
                if (ExtentNodes.entries(c.b) == 0) {
                    throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk, "extent tree of inode " + ino + ": block " + pblk + " has no entries");
                }
                if (ExtentNodes.key(c.b, 0) != ExtentNodes.key(b, i)) {
                    ExtentNodes.setKey(b, i, ExtentNodes.key(c.b, 0));
                    markDirty(n);
                }
            }
        }

        /** Merges neighbours in a leaf where the right one was moved (now at or after {@code movedFrom}) and they are contiguous. */
        private void mergeMoved(byte[] b, long movedFrom) {
            int i = 0;
            while (i + 1 < ExtentNodes.entries(b)) {
                boolean uninit = ExtentNodes.unwritten(b, i);
                long len = ExtentNodes.length(b, i);
                if (ExtentNodes.key(b, i + 1) >= movedFrom && ExtentNodes.unwritten(b, i + 1) == uninit && ExtentNodes.key(b, i) + len == ExtentNodes.key(b, i + 1)
                        && ExtentNodes.start(b, i) + len == ExtentNodes.start(b, i + 1) && len + ExtentNodes.length(b, i + 1) <= maxLength(uninit)) {
                    ExtentNodes.setLength(b, i, len + ExtentNodes.length(b, i + 1), uninit);
                    ExtentNodes.removeSlot(b, i + 1);
                } else {
                    i++;
                }
            }
        }

        void release(long pblk, long count, boolean freeData) {
            if (freeData && count > 0) {
                allocator.free(tx, pblk, count);
                blocksDelta -= count;
            }
        }

        /** Makes every extent piece in [from, to) written ({@code toUnwritten} false) or unwritten. */
        void convert(long from, long to, boolean toUnwritten) {
            long pos = from;
            for (long guard = 0; guard <= blocksCount + 1 && pos < to; guard++) {
                Path p = nextExtent(pos);
                if (p == null) {
                    return;
                }
                byte[] b = p.leaf().b;
                int i = p.leafPos();
                long s = ExtentNodes.key(b, i);
                long e = s + ExtentNodes.length(b, i);
                if (s >= to) {
                    return;
                }
                if (ExtentNodes.unwritten(b, i) != toUnwritten) {
                    long a = Math.max(s, pos);
                    long z = Math.min(e, to);
                    long pa = ExtentNodes.start(b, i) + (a - s);
                    unmap(a, z, false);
                    insert(a, pa, z - a, toUnwritten);
                    pos = z;
                } else {
                    pos = e;
                }
            }
        }
    }
}
