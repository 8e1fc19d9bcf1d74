package org.ext4j.core.extent;

import static org.ext4j.core.extent.ExtentTree.ENTRY_SIZE;
import static org.ext4j.core.extent.ExtentTree.ET_CHECKSUM_SIZE;
import static org.ext4j.core.extent.ExtentTree.EXT_INIT_MAX_LEN;
import static org.ext4j.core.extent.ExtentTree.HEADER_SIZE;
import static org.ext4j.core.extent.ExtentTree.MAX_DEPTH;
import static org.ext4j.core.extent.ExtentTree.ROOT_CAPACITY;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.BlockRun;
import org.ext4j.core.extent.ExtentPath.Node;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.tx.BlockRole;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.view.SystemZone;

/**
 * One call's hold on an inode's extent tree: the inode as read, the root (a copy of i_block),
 * the tree blocks visited (write access when the call changes the tree), the tree blocks
 * allocated and freed, and the i_blocks change. It finds paths through the tree and answers
 * lookups; {@link ExtentInsertion}, {@link ExtentRemoval} and {@link ExtentShift} change it, and
 * {@link #finish} writes it all.
 *
 * <p>Invariant kept in every tree it writes: an index entry's ei_block equals the first logical
 * block of its child, so a lookup descends to the child whose key is the last at or before the
 * block, and a node's first key changing is propagated upwards ({@link #fixIndexes}).
 */
final class ExtentTreeEdit {
    /** EXT_MAX_BLOCKS: ee_block is 32 bits and the last block must stay addressable by ee_len. */
    static final long LBLK_END = 0xFFFF_FFFFL;
    /** Longest initialized extent (ee_len 32768). */
    static final int MAX_INIT_LEN = EXT_INIT_MAX_LEN;
    /** Longest unwritten extent (ee_len 65535 = 32768 + 32767). */
    static final int MAX_UNWRITTEN_LEN = EXT_INIT_MAX_LEN - 1;

    final Transaction tx;
    final long ino;
    final BlockAllocator allocator;
    final boolean mayUseReserved;
    final int nodeCapacity;
    final long blocksCount;
    final Node root;
    private final DiskView fs;
    private final int blockSize;
    /** The blocks this inode may not map; every pointer read is checked against it. */
    private final SystemZone zone;
    private final boolean metadataCsum;
    private final boolean hugeFile;
    private final boolean writable;
    private final byte[] inodeRaw;
    private final boolean regularFile;
    private final int checksumSeed;
    private final Map<Long, Node> loaded = new HashMap<>();
    private final Set<Node> dirty = new LinkedHashSet<>();
    private boolean rootDirty;
    /** Tree and data blocks allocated minus those freed by this call, for i_blocks. */
    long blocksDelta;

    ExtentTreeEdit(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved, boolean writable) {
        this.tx = tx;
        this.ino = ino;
        this.allocator = allocator;
        this.mayUseReserved = mayUseReserved;
        this.writable = writable;
        this.fs = tx.fileSystem();
        this.blockSize = fs.blockSize();
        // The tail checksum needs 4 bytes after eh_max entries; blockSize - 12 leaves 4 spare
        // bytes for every power-of-two block size, so the capacity is the same with or without csum.
        this.nodeCapacity = (blockSize - HEADER_SIZE - ET_CHECKSUM_SIZE) / ENTRY_SIZE;
        this.blocksCount = fs.blocksCount();
        this.zone = fs.systemZone();
        this.metadataCsum = fs.hasMetadataCsum();
        this.hugeFile = InodeBlockCount.hugeFile(fs.superblock());
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
        ExtentNodeCheck.validate(fs, zone, ino, 0, rootBytes, ExtentNodes.depth(rootBytes), 0, LBLK_END + 1,
                ROOT_CAPACITY);
    }

    static int maxLength(boolean uninit) {
        return uninit ? MAX_UNWRITTEN_LEN : MAX_INIT_LEN;
    }

    /**
     * Pulls a small enough tree back into i_block, then writes the changed tree blocks (with
     * their checksums), i_block and i_blocks.
     */
    void finish() {
        shrink();
        for (Node n : dirty) {
            if (metadataCsum) {
                ExtentNodeCheck.putChecksum(n.b, checksumSeed);
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

    // ---- reading the tree ----------------------------------------------------------------------

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
        if (ExtentNodes.depth(b) != expectedDepth) {
            throw new CorruptionException(CorruptionException.Structure.EXTENT_TREE, ino, pblk,
                    ExtentNodeCheck.where(ino, pblk) + ": depth " + ExtentNodes.depth(b) + ", expected " + expectedDepth);
        }
        ExtentNodeCheck.validate(fs, zone, ino, pblk, b, expectedDepth, start, end, nodeCapacity);
        if (metadataCsum) {
            ExtentNodeCheck.verifyChecksum(ino, pblk, b, checksumSeed);
        }
        loaded.put(pblk, n);
        return n;
    }

    /** The path from the root to the leaf whose range holds {@code lblk}. */
    ExtentPath lookup(long lblk) {
        int d = ExtentNodes.depth(root.b);
        ExtentPath p = new ExtentPath(d);
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
    ExtentPath nextExtent(long lblk) {
        ExtentPath p = lookup(lblk);
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
        ExtentPath p = lookup(lblk);
        byte[] b = p.leaf().b;
        int i = p.leafPos();
        if (i >= 0 && ExtentNodes.key(b, i) + ExtentNodes.length(b, i) > lblk) {
            long end = Math.min(ExtentNodes.key(b, i) + ExtentNodes.length(b, i), limit);
            return new Mapping(lblk, ExtentNodes.start(b, i) + (lblk - ExtentNodes.key(b, i)), end - lblk,
                    ExtentNodes.unwritten(b, i) ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED);
        }
        ExtentPath next = nextExtent(lblk);
        long holeEnd = next == null ? requested : Math.min(ExtentNodes.key(next.leaf().b, next.leafPos()), requested);
        return Mapping.hole(lblk, holeEnd - lblk);
    }

    /**
     * Where to look for blocks for logical block {@code lblk}: just after the physical block
     * of the extent before it (so a file grows contiguously), else near the leaf, else the
     * inode's group.
     */
    long goal(long lblk) {
        ExtentPath p = lookup(lblk);
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

    /** The logical block after the file's last extent (0 for an empty tree). */
    long lastExtentEnd() {
        ExtentPath p = lookup(LBLK_END);
        byte[] b = p.leaf().b;
        int i = p.leafPos();
        return i < 0 ? 0 : ExtentNodes.key(b, i) + ExtentNodes.length(b, i);
    }

    // ---- changing the tree's shape -------------------------------------------------------------

    /** Allocates a zeroed tree block near {@code goal}. */
    Node newNode(long goal) {
        List<BlockRun> runs = allocator.allocate(tx, goal, 1, mayUseReserved);
        long pblk = runs.get(0).start();
        blocksDelta++;
        Node n = new Node(pblk, tx.getNewBlockAccess(pblk));
        loaded.put(pblk, n);
        return n;
    }

    void freeNode(Node n) {
        loaded.remove(n.pblk);
        dirty.remove(n);
        allocator.free(tx, n.pblk, 1);
        blocksDelta--;
    }

    /** Gives data blocks back to the allocator and takes them off i_blocks. */
    void freeData(long pblk, long count) {
        allocator.free(tx, pblk, count);
        blocksDelta -= count;
    }

    /** Copies a node's first key into its ancestors' entries for as long as it is their first. */
    void fixIndexes(ExtentPath p, int level) {
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

    /** Pulls the only child of the root into i_block while its entries fit there. */
    private void shrink() {
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
}
