package org.ext4j.core.htree;

import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The hash index of an htree directory, for lookups: hashes a name with the directory's hash
 * version, walks the dx_root and dx_node levels down to the leaf block that holds the hash, and
 * moves on to the following leaves while a hash collision run continues there (the kernel's
 * dx_probe and ext4_htree_next_block).
 */
public final class HtreeIndex {
    /** EXT4_HTREE_LEVEL_COMPAT: without largedir the tree has at most one dx_node level. */
    public static final int MAX_INDIRECT_LEVELS = 1;
    /** EXT4_HTREE_LEVEL - 1: largedir allows two dx_node levels. */
    public static final int MAX_INDIRECT_LEVELS_LARGEDIR = 2;

    /** Reads one logical block of the directory; a hole or an unreadable block throws. */
    @FunctionalInterface
    public interface BlockReader {
        byte[] read(long lblk);
    }

    /** The directory and filesystem facts the index needs. */
    public record Settings(DxBlock.Context context, long dirBlocks, boolean largeDir, boolean unsignedHash,
                           int[] hashSeed) {
    }

    private final DxBlock root;
    private final Settings settings;
    private final BlockReader reader;
    private final int hashVersion;
    private final int levels;

    private HtreeIndex(DxBlock root, Settings settings, BlockReader reader, int hashVersion, int levels) {
        this.root = root;
        this.settings = settings;
        this.reader = reader;
        this.hashVersion = hashVersion;
        this.levels = levels;
    }

    /**
     * Opens the index of a directory from its logical block 0.
     *
     * @throws CorruptionException when the dx_root is invalid
     * @throws Ext4Exception EOPNOTSUPP for the siphash version (casefolded, encrypted directories)
     */
    public static HtreeIndex open(byte[] rootBlock, Settings settings, BlockReader reader) {
        DxBlock.Context ctx = settings.context();
        DxBlock root = DxBlock.root(rootBlock, ctx);
        String where = "dx_root of directory inode " + ctx.dirIno();
        int version = root.rootHashVersion();
        if (version == DirHash.SIPHASH) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, where + ": siphash-indexed (casefolded) directories are not supported");
        }
        if (!(version >= DirHash.LEGACY && version <= DirHash.TEA)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": unknown hash version " + version);
        }
        int levels = root.rootIndirectLevels();
        int maxLevels = settings.largeDir() ? MAX_INDIRECT_LEVELS_LARGEDIR : MAX_INDIRECT_LEVELS;
        if (!(levels <= maxLevels)) {
            throw new CorruptionException(CorruptionException.Structure.HTREE, ctx.dirIno(), CorruptionException.NO_BLOCK, where + ": indirect_levels " + levels + " exceeds " + maxLevels);
        }
        int effective = settings.unsignedHash() ? version + DirHash.UNSIGNED_DELTA : version;
        return new HtreeIndex(root, settings, reader, effective, levels);
    }

    /** The hash version names are hashed with (0..5, adjusted for the filesystem's unsigned-hash flag). */
    public int hashVersion() {
        return hashVersion;
    }

    /** dx_node levels between the root and the leaves (indirect_levels). */
    public int indirectLevels() {
        return levels;
    }

    /** The hash of {@code name} in this directory. */
    public DirHash.NameHash hash(byte[] name) {
        return DirHash.hash(name, hashVersion, settings.hashSeed());
    }

    /** The hash of the {@code len} name bytes at {@code off} of {@code buf} in this directory. */
    public DirHash.NameHash hash(byte[] buf, int off, int len) {
        return DirHash.hash(buf, off, len, hashVersion, settings.hashSeed());
    }

    /**
     * Descends to the leaf whose hash range holds major hash {@code majorHash}, the first leaf a
     * listing resumed at that hash reads.
     */
    public LeafCursor probe(int majorHash) {
        LeafCursor cursor = new LeafCursor(majorHash);
        cursor.path[0] = root;
        cursor.at[0] = root.find(majorHash);
        cursor.descendBelow(0, true);
        return cursor;
    }

    /**
     * Descends to the leaf that holds {@code name}'s hash.
     *
     * @return a cursor on that leaf; {@link LeafCursor#next()} moves to the next leaf of the same hash
     */
    public LeafCursor probe(byte[] name) {
        return probe(hash(name).major());
    }

    /** A position in the index: the path of index blocks and entries down to one leaf block. */
    public final class LeafCursor {
        private final int hash;
        private final DxBlock[] path = new DxBlock[levels + 1];
        private final int[] at = new int[levels + 1];

        private LeafCursor(int hash) {
            this.hash = hash;
        }

        /** The major hash being looked up. */
        public int hash() {
            return hash;
        }

        /** The logical directory block of the current leaf. */
        public long leaf() {
            DxBlock bottom = path[levels];
            return checkedBlock(bottom, at[levels], "leaf");
        }

        /**
         * Moves to the next leaf if the index says the current hash continues there (the next
         * entry's hash, without its collision bit, equals the one looked up).
         *
         * @return false when no later leaf can hold the hash
         */
        public boolean next() {
            int level = stepToNextEntry();
            if (level < 0) {
                return false;
            }
            if ((path[level].hash(at[level]) & ~1) != hash) {
                return false;
            }
            descendBelow(level, false);
            return true;
        }

        /**
         * Moves to the next leaf in hash order whatever hash it starts with, as a listing walks
         * the leaves (the kernel's ext4_htree_next_block with HASH_NB_ALWAYS).
         *
         * @return the hash the index gives the new leaf's range (unsigned; its low bit is set when
         *         a run of equal hashes continues there from the previous leaf), or -1 after the
         *         last leaf
         */
        public long advance() {
            int level = stepToNextEntry();
            if (level < 0) {
                return -1;
            }
            long startHash = path[level].hash(at[level]) & 0xFFFFFFFFL;
            descendBelow(level, false);
            return startHash;
        }

        /**
         * Moves to the index entry after the current leaf's: the next entry of the lowest level
         * that has one (the levels below are not read yet).
         *
         * @return that level, or -1 after the last leaf
         */
        private int stepToNextEntry() {
            for (int level = levels; level >= 0; level--) {
                at[level]++;
                if (at[level] < path[level].count()) {
                    return level;
                }
            }
            return -1;
        }

        /**
         * Reads the index levels below {@code level} along the current entry of each. A probe
         * picks, on each level, the entry that covers the hash; moving on to the next leaf starts
         * each lower level at its leftmost entry.
         */
        private void descendBelow(int level, boolean byHash) {
            for (int l = level + 1; l <= levels; l++) {
                long child = checkedBlock(path[l - 1], at[l - 1], "dx_node");
                for (int a = 0; a < l; a++) {
                    if (!(path[a].lblk() != child)) {
                        throw new CorruptionException(CorruptionException.Structure.HTREE, settings.context().dirIno(), CorruptionException.NO_BLOCK, "dx index of directory inode "
                            + settings.context().dirIno() + ": block " + child + " points back to an ancestor (loop)");
                    }
                }
                DxBlock node = DxBlock.node(reader.read(child), child, settings.context());
                path[l] = node;
                at[l] = byHash ? node.find(hash) : 0;
            }
        }

        private long checkedBlock(DxBlock block, int entry, String what) {
            long b = block.block(entry);
            if (!(b > 0 && b < settings.dirBlocks())) {
                throw new CorruptionException(CorruptionException.Structure.HTREE, settings.context().dirIno(), CorruptionException.NO_BLOCK, "dx index of directory inode "
                    + settings.context().dirIno() + " (logical block " + block.lblk() + ") entry " + entry + ": "
                    + what + " block " + b + " is outside the directory's " + settings.dirBlocks() + " blocks");
            }
            return b;
        }
    }
}
