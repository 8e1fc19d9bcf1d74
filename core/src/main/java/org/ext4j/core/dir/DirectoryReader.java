package org.ext4j.core.dir;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.htree.DirHash;
import org.ext4j.core.htree.DxBlock;
import org.ext4j.core.htree.HashPosition;
import org.ext4j.core.htree.HtreeIndex;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Reads one directory: lists its entries in on-disk order with resumable offsets, lists them as
 * readdir does (indexed directories in hash order with hash cookies), and looks a name up
 * through the htree index when the directory has one (a linear scan otherwise). Handles
 * block directories (linear or indexed, with or without metadata_csum) and inline-data
 * directories. Every dirent and index block is validated before use. Not thread-safe: use one
 * reader per operation (it is cheap; it only caches the directory's block map).
 */
public final class DirectoryReader {
    /** The longest name a dirent can hold (name_len is one byte). */
    public static final int NAME_MAX = 255;

    /**
     * Inline directory positions, as the kernel's inline readdir numbers them: "." at 0, ".." at
     * EXT4_DIR_REC_LEN(1), and a dirent at its offset in the inline content plus
     * EXT4_DIR_REC_LEN(1) + EXT4_DIR_REC_LEN(2) - EXT4_INLINE_DOTDOT_SIZE.
     */
    static final long INLINE_DOT_POS = 0;
    static final long INLINE_DOTDOT_POS = DirentBlock.recLen(1);
    /** EXT4_INLINE_DOTDOT_SIZE: the parent inode number at the start of the inline content. */
    static final int INLINE_DOTDOT_SIZE = 4;
    static final long INLINE_POSITION_SHIFT = DirentBlock.recLen(1) + DirentBlock.recLen(2) - INLINE_DOTDOT_SIZE;

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    /**
     * Receives a listing made from a readdir cookie, one group of entries at a time: names that
     * share a full hash share one cookie, so a listing can only stop between groups.
     */
    @FunctionalInterface
    public interface CookieSink {
        /**
         * Takes one group.
         *
         * @param group      the entries, in listing order (one, unless names share a full hash)
         * @param cookie     the cookie that lists this group again
         * @param nextCookie the cookie that resumes the listing after this group
         * @return false to stop the listing
         */
        boolean accept(List<DirEntry> group, long cookie, long nextCookie);
    }

    /** One entry and its name hash, as the hash-order listing sorts them. */
    private record Hashed(DirEntry entry, int major, int minor) {
    }

    private static final Comparator<Hashed> BY_HASH = (a, b) -> HashPosition.compare(a.major, a.minor, b.major, b.minor);

    /** Where an inline directory's bytes come from (i_block followed by the system.data value). */
    @FunctionalInterface
    public interface InlineSource {
        byte[] content(Inode dir);
    }

    /**
     * Where the directory's blocks come from: its block map and the block contents, either the
     * committed state or a transaction's view of both.
     */
    public interface BlockSource {
        /** The directory's block map (called at most once per reader, and only for block directories). */
        BlockMap blockMap(Inode dir);

        /**
         * The content of filesystem block {@code pblk}, possibly shared with the cache or the
         * transaction (see {@link org.ext4j.core.view.BlockReader#readShared}): a reader only reads
         * it, during the one call that asked for it.
         */
        byte[] readBlock(long pblk);
    }

    private final DiskView fs;
    private final Inode dir;
    private final InlineSource inlineSource;
    private final BlockSource blockSource;
    private final DirentBlock.Rules rules;
    private final int blockSize;
    private final boolean indexed;
    private BlockMap blockMap;

    /** A reader for directory {@code dir} of {@code fs}. */
    public static DirectoryReader of(DiskView fs, Inode dir) {
        return new DirectoryReader(fs, dir, inode -> InlineData.content(fs, inode));
    }

    /**
     * A reader that sees directory {@code dir} (as read with {@link org.ext4j.core.tx.InodeStore#read})
     * the way transaction {@code tx} does: its uncommitted directory blocks and block map.
     */
    public static DirectoryReader of(Transaction tx, Inode dir) {
        DiskView fs = tx.fileSystem();
        BlockSource source = new BlockSource() {
            @Override
            public BlockMap blockMap(Inode d) {
                return DirectoryBlocks.of(tx, d.ino(), false)::map;
            }

            @Override
            public byte[] readBlock(long pblk) {
                return tx.readShared(pblk);
            }
        };
        return new DirectoryReader(fs, dir, inode -> InlineData.content(fs, inode), source);
    }

    /**
     * A reader whose inline content comes from {@code inlineSource}.
     *
     * @throws Ext4Exception ENOTDIR when {@code dir} is not a directory
     */
    public DirectoryReader(DiskView fs, Inode dir, InlineSource inlineSource) {
        this(fs, dir, inlineSource, new BlockSource() {
            @Override
            public BlockMap blockMap(Inode d) {
                return BlockMap.of(fs, d);
            }

            @Override
            public byte[] readBlock(long pblk) {
                return fs.blockCache().readShared(pblk);
            }
        });
    }

    /**
     * A reader whose inline content comes from {@code inlineSource} and whose blocks come from
     * {@code blocks}.
     *
     * @throws Ext4Exception ENOTDIR when {@code dir} is not a directory
     */
    public DirectoryReader(DiskView fs, Inode dir, InlineSource inlineSource, BlockSource blocks) {
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + dir.ino() + " is not a directory");
        }
        this.fs = fs;
        this.dir = dir;
        this.inlineSource = inlineSource;
        this.blockSource = blocks;
        Superblock sb = fs.superblock();
        this.blockSize = fs.blockSize();
        this.rules = new DirentBlock.Rules(dir.ino(), blockSize, sb.hasIncompat(Features.INCOMPAT_FILETYPE),
                sb.inodesCount());
        this.indexed = !isInline() && sb.hasCompat(Features.COMPAT_DIR_INDEX) && dir.hasFlag(InodeFlags.EXT4_INDEX_FL);
    }

    /** Whether the entries live in the inode (EXT4_INLINE_DATA_FL). */
    public boolean isInline() {
        return dir.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL);
    }

    /** Whether lookups go through an htree index (EXT4_INDEX_FL with the dir_index feature). */
    public boolean isIndexed() {
        return indexed;
    }

    /** All live entries, "." and ".." included, in on-disk order. */
    public List<DirEntry> list() {
        List<DirEntry> out = new ArrayList<>();
        readdir(0, out::add);
        return out;
    }

    /**
     * Passes the entries at positions {@code >= offset}, in order, to {@code sink} until it
     * returns false.
     *
     * @return true when the end of the directory was reached, false when the sink stopped
     */
    public boolean readdir(long offset, Predicate<DirEntry> sink) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative directory offset " + offset);
        }
        DirentBlock.Visitor visitor = (ino, buf, nameOff, nameLen, fileType, position) -> position < offset
                || sink.test(new DirEntry(ino, Arrays.copyOfRange(buf, nameOff, nameOff + nameLen),
                DirentBlock.fileType(fileType), position));
        if (isInline()) {
            return walkInline(offset, sink, visitor);
        }
        return walkBlocks(offset / blockSize, visitor);
    }

    /** Walks every mapped block from logical block {@code firstLblk} on, skipping holes. */
    private boolean walkBlocks(long firstLblk, DirentBlock.Visitor visitor) {
        long blocks = dirBlocks();
        BlockMap map = blockMap();
        long lblk = firstLblk;
        // Each pass consumes at least one run from the map, so the loop ends.
        while (lblk < blocks) {
            Mapping run = map.map(lblk, blocks - lblk);
            if (run.kind() != Mapping.Kind.MAPPED) {
                lblk = run.lblkEnd();
                continue;
            }
            for (long i = 0; i < run.length(); i++) {
                if (!walkBlock(lblk + i, blockSource.readBlock(run.pblk() + i), visitor)) {
                    return false;
                }
            }
            lblk = run.lblkEnd();
        }
        return true;
    }

    /**
     * Whether readdir cookies are hash positions ({@link HashPosition}) rather than on-disk
     * positions: true for an indexed directory whose names ext4j can hash (not siphash).
     */
    public boolean listsInHashOrder() {
        return indexed && hashable(readDirBlock(0));
    }

    /** True when the names of the indexed directory with dx_root {@code rootBlock} can be hashed here. */
    private boolean hashable(byte[] rootBlock) {
        return DxBlock.root(rootBlock, dxContext()).rootHashVersion() != DirHash.SIPHASH;
    }

    /**
     * Lists the directory as readdir does, from readdir cookie {@code cookie} (0 = the start).
     * An indexed directory is listed in hash order, "." and ".." under the kernel's hashes 0 and
     * 2, and its cookies are hash positions, so a leaf split between two calls neither repeats
     * nor skips a name; leaves are read one at a time in the index's order. Other directories
     * are listed in on-disk order and a cookie is an entry's position plus one.
     *
     * @return true when the end of the directory was reached, false when the sink stopped
     */
    public boolean readdirFromCookie(long cookie, CookieSink sink) {
        if (cookie < 0) {
            throw new IllegalArgumentException("negative directory cookie " + cookie);
        }
        byte[] rootBlock = indexed ? readDirBlock(0) : null;
        if (rootBlock == null || !hashable(rootBlock)) {
            return readdir(cookie, e -> sink.accept(List.of(e), e.offset(), e.offset() + 1));
        }
        return walkHashOrder(rootBlock, cookie, sink);
    }

    /**
     * Lists an indexed directory in hash order from hash position {@code cookie}, as the kernel's
     * ext4_dx_readdir and ext4_htree_fill_tree: a batch is the leaf holding the start hash plus
     * the following leaves while a run of equal hashes continues into them (the index marks such
     * a leaf with the low hash bit), so names sharing a hash are sorted together; the next batch
     * starts at the hash the index gives the next leaf.
     */
    private boolean walkHashOrder(byte[] rootBlock, long cookie, CookieSink sink) {
        if (cookie == HashPosition.EOF) {
            return true;
        }
        HtreeIndex index = openIndex(rootBlock);
        int[] start = {HashPosition.major(cookie), HashPosition.minor(cookie)};
        List<Hashed> batch = new ArrayList<>();
        // Collects an entry of hash (major, minor) when it is at or after the start.
        class Collector {
            void offer(long ino, byte[] buf, int nameOff, int nameLen, int fileType, long position, int major, int minor) {
                if (HashPosition.compare(major, minor, start[0], start[1]) >= 0) {
                    batch.add(new Hashed(new DirEntry(ino, Arrays.copyOfRange(buf, nameOff, nameOff + nameLen),
                            DirentBlock.fileType(fileType), position), major, minor));
                }
            }
        }
        Collector collector = new Collector();
        DirentBlock.walk(rootBlock, 0, blockSize, 0, rules, where(0), (ino, buf, nameOff, nameLen, fileType, position) -> {
            // The dx_root holds only "." and "..": the kernel lists them under hashes 0 and 2.
            collector.offer(ino, buf, nameOff, nameLen, fileType, position, nameLen == 1 ? 0 : 2, 0);
            return true;
        });
        DirentBlock.Visitor collect = (ino, buf, nameOff, nameLen, fileType, position) -> {
            DirHash.NameHash h = index.hash(buf, nameOff, nameLen);
            collector.offer(ino, buf, nameOff, nameLen, fileType, position, h.major(), h.minor());
            return true;
        };
        HashGroups groups = new HashGroups(sink);
        HtreeIndex.LeafCursor cursor = index.probe(start[0]);
        // Each pass moves the cursor one index entry on through a finite, loop-checked tree.
        while (true) {
            long leaf = cursor.leaf();
            walkLeaf(leaf, readDirBlock(leaf), collect);
            long next = cursor.advance();
            if (next < 0 || !batch.isEmpty() && (next & 1) == 0) {
                batch.sort(BY_HASH);
                for (Hashed h : batch) {
                    if (!groups.add(h)) {
                        return false;
                    }
                }
                batch.clear();
                if (next < 0) {
                    return groups.finish();
                }
                start[0] = (int) next;
                start[1] = 0;
            }
        }
    }

    /**
     * Gathers hash-sorted entries into groups of one full hash and hands each to the sink once
     * the next group's hash, its cookie, is known.
     */
    private static final class HashGroups {
        private final CookieSink sink;
        private final List<DirEntry> group = new ArrayList<>();
        private int major;
        private int minor;

        HashGroups(CookieSink sink) {
            this.sink = sink;
        }

        /** Adds the next entry in hash order; false when the sink stopped. */
        boolean add(Hashed h) {
            if (!group.isEmpty() && h.major == major && h.minor == minor) {
                group.add(h.entry);
                return true;
            }
            if (!group.isEmpty() && !emit(HashPosition.of(h.major, h.minor))) {
                return false;
            }
            group.clear();
            group.add(h.entry);
            major = h.major;
            minor = h.minor;
            return true;
        }

        /** Hands over the last group, whose next cookie is the end of the directory. */
        boolean finish() {
            return group.isEmpty() || emit(HashPosition.EOF);
        }

        /**
         * The kernel chains a name whose hash is already listed right behind the first one, so a
         * group read in on-disk order a, b, c is listed a, c, b.
         */
        private boolean emit(long nextCookie) {
            List<DirEntry> ordered = new ArrayList<>(group.size());
            ordered.add(group.get(0));
            for (int i = group.size() - 1; i >= 1; i--) {
                ordered.add(group.get(i));
            }
            return sink.accept(ordered, HashPosition.of(major, minor), nextCookie);
        }
    }

    /** Looks {@code name} up as UTF-8 bytes. */
    public Optional<DirEntry> lookup(String name) {
        return lookup(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Finds the entry called {@code name}: through the htree index when the directory is indexed
     * (reading the index levels and the leaf, plus following leaves only while a hash collision
     * run continues), by a linear scan otherwise.
     *
     * @return the entry, or empty when the directory has no such name
     * @throws Ext4Exception ENAMETOOLONG for a name over 255 bytes
     */
    public Optional<DirEntry> lookup(byte[] name) {
        if (name.length > NAME_MAX) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "name of " + name.length + " bytes exceeds " + NAME_MAX);
        }
        if (name.length == 0) {
            return Optional.empty();
        }
        DirEntry[] found = new DirEntry[1];
        DirentBlock.Visitor match = (ino, buf, nameOff, nameLen, fileType, position) -> {
            if (nameLen == name.length && Arrays.equals(buf, nameOff, nameOff + nameLen, name, 0, name.length)) {
                found[0] = new DirEntry(ino, name, DirentBlock.fileType(fileType), position);
                return false;
            }
            return true;
        };
        if (isInline()) {
            walkInline(0, entry -> {
                if (entry.nameEquals(name)) {
                    found[0] = entry;
                    return false;
                }
                return true;
            }, match);
            return Optional.ofNullable(found[0]);
        }
        boolean dotName = Arrays.equals(name, DOT) || Arrays.equals(name, DOTDOT);
        if (!indexed || dotName) {
            // "." and ".." are always the first two entries of block 0, indexed or not.
            if (dotName) {
                walkBlock(0, readDirBlock(0), match);
                return Optional.ofNullable(found[0]);
            }
            walkBlocks(0, match);
            return Optional.ofNullable(found[0]);
        }
        HtreeIndex index = openIndex();
        HtreeIndex.LeafCursor cursor = index.probe(name);
        do {
            long leaf = cursor.leaf();
            walkLeaf(leaf, readDirBlock(leaf), match);
            if (found[0] != null) {
                return Optional.of(found[0]);
            }
        } while (cursor.next());
        return Optional.empty();
    }

    /** The directory's htree index. */
    HtreeIndex openIndex() {
        return openIndex(readDirBlock(0));
    }

    private HtreeIndex openIndex(byte[] rootBlock) {
        Superblock sb = fs.superblock();
        HtreeIndex.Settings settings = new HtreeIndex.Settings(dxContext(), dirBlocks(),
                sb.hasIncompat(Features.INCOMPAT_LARGEDIR), (sb.flags() & Superblock.FLAGS_UNSIGNED_HASH) != 0,
                sb.hashSeed());
        return HtreeIndex.open(rootBlock, settings, this::readDirBlock);
    }

    /** How many logical blocks i_size covers. */
    long dirBlocks() {
        long size = dir.size();
        if (!(size >= 0 && size / blockSize < BlockMap.LBLK_LIMIT)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, dir.ino(), CorruptionException.NO_BLOCK, "directory inode " + dir.ino() + ": i_size " + size + " is out of range");
        }
        return (size + blockSize - 1) / blockSize;
    }

    /** Reads logical block {@code lblk}, which must exist: lookups never pass through holes. */
    private byte[] readDirBlock(long lblk) {
        long blocks = dirBlocks();
        if (!(lblk < blocks)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, dir.ino(), CorruptionException.NO_BLOCK, "directory inode " + dir.ino() + ": logical block " + lblk
                + " is past the end (" + blocks + " blocks)");
        }
        Mapping run = blockMap().map(lblk, 1);
        if (!(run.kind() == Mapping.Kind.MAPPED)) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, dir.ino(), CorruptionException.NO_BLOCK, "directory inode " + dir.ino()
                + ": logical block " + lblk + " is a hole");
        }
        return blockSource.readBlock(run.pblk());
    }

    private BlockMap blockMap() {
        if (blockMap == null) {
            blockMap = blockSource.blockMap(dir);
        }
        return blockMap;
    }

    private DxBlock.Context dxContext() {
        return new DxBlock.Context(dir.ino(), blockSize, fs.hasMetadataCsum(), dir.checksumSeed());
    }

    /**
     * Walks one block in listing order. In an indexed directory block 0 is the dx_root (whose
     * "." and ".." are real entries). A later block whose first dirent spans the whole block is a
     * dx_node with metadata_csum, as the kernel tells them apart (a leaf there ends in a 12-byte
     * checksum tail); without checksums such a block holds at most that one entry, which is live
     * only in a leaf, so a dx_node or an emptied leaf both list nothing.
     */
    private boolean walkBlock(long lblk, byte[] block, DirentBlock.Visitor visitor) {
        if (indexed) {
            if (lblk == 0) {
                DxBlock.root(block, dxContext());
                return DirentBlock.walk(block, 0, blockSize, 0, rules, where(lblk), visitor);
            }
            int firstRecLen = DirentBlock.recLenFromDisk(LittleEndian.u16(block, DirentBlock.REC_LEN), blockSize);
            if (firstRecLen == blockSize) {
                if (fs.hasMetadataCsum()) {
                    DxBlock.node(block, lblk, dxContext());
                    return true;
                }
                if (LittleEndian.u32(block, DirentBlock.INODE) == 0) {
                    return true;
                }
            }
        }
        return walkLeaf(lblk, block, visitor);
    }

    /** Walks a leaf block: its dirents, behind a verified checksum tail with metadata_csum. */
    private boolean walkLeaf(long lblk, byte[] block, DirentBlock.Visitor visitor) {
        int end = blockSize;
        if (fs.hasMetadataCsum()) {
            DirentBlock.verifyTail(block, blockSize, dir.checksumSeed(), where(lblk));
            end -= DirentBlock.TAIL_SIZE;
        }
        return DirentBlock.walk(block, 0, end, lblk * blockSize, rules, where(lblk), visitor);
    }

    private boolean walkInline(long offset, Predicate<DirEntry> sink, DirentBlock.Visitor visitor) {
        byte[] content = inlineSource.content(dir);
        return walkInline(content, offset, sink, visitor);
    }

    /**
     * Lists inline content: "." and ".." are not stored (the first 4 bytes hold the parent's inode
     * number) and are synthesized at the kernel's positions.
     */
    boolean walkInline(byte[] content, long offset, Predicate<DirEntry> sink, DirentBlock.Visitor visitor) {
        String where = "inline directory inode " + dir.ino();
        if (!(content.length >= InlineData.MIN_INLINE_DATA_SIZE)) {
            throw new CorruptionException(CorruptionException.Structure.INLINE_DATA, dir.ino(), CorruptionException.NO_BLOCK, where + ": only "
                + content.length + " bytes of inline content");
        }
        long parent = LittleEndian.u32(content, 0);
        if (!(parent != 0 && parent <= rules.inodesCount())) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, parent, CorruptionException.NO_BLOCK, where + ": parent inode "
                + parent + " is out of range");
        }
        if (offset <= INLINE_DOT_POS && !sink.test(new DirEntry(dir.ino(), DOT, FileType.DIRECTORY, INLINE_DOT_POS))) {
            return false;
        }
        if (offset <= INLINE_DOTDOT_POS && !sink.test(new DirEntry(parent, DOTDOT, FileType.DIRECTORY, INLINE_DOTDOT_POS))) {
            return false;
        }
        return DirentBlock.walk(content, INLINE_DOTDOT_SIZE, content.length, INLINE_POSITION_SHIFT, rules, where,
                visitor);
    }

    private String where(long lblk) {
        return "directory inode " + dir.ino() + " logical block " + lblk;
    }
}
