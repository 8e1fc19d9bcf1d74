package org.ext4j.core.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;

/**
 * The blocks no file may own, as the kernel's block_validity keeps them: every group's superblock
 * backup and descriptor blocks (reserved descriptor blocks included), every group's block bitmap,
 * inode bitmap and inode table, and the journal's blocks (owned by the journal inode, which alone
 * may map them). A block pointer read from disk that leads into the zone, outside the filesystem,
 * or below s_first_data_block is corruption: writing through it would destroy metadata.
 *
 * <p>Immutable: sorted, disjoint {@code [start, end)} ranges, each with the inode that owns it (0
 * for none). Built once per filesystem from the superblock and every group descriptor, as the
 * kernel does at mount; {@link #problems()} lists what the build found inconsistent (metadata
 * outside the filesystem, two structures on the same blocks), which a read-write open refuses.
 */
public final class SystemZone {
    private final long firstDataBlock;
    private final long blocksCount;
    private final long[] starts;
    private final long[] ends;
    private final long[] owners;
    private final List<String> problems;

    private SystemZone(long firstDataBlock, long blocksCount, long[] starts, long[] ends, long[] owners, List<String> problems) {
        this.firstDataBlock = firstDataBlock;
        this.blocksCount = blocksCount;
        this.starts = starts;
        this.ends = ends;
        this.owners = owners;
        this.problems = List.copyOf(problems);
    }

    /**
     * True when inode {@code ino} may own blocks {@code pblk} .. {@code pblk + count - 1}: they lie
     * inside the filesystem, past s_first_data_block, and touch no range of the zone that another
     * inode (or nobody) owns. The kernel's ext4_inode_block_valid. Blocks that no inode owns
     * yet are checked with {@link #isClear}, not with a literal 0 beside a block number.
     */
    public boolean isValid(long ino, long pblk, long count) {
        if (count < 1 || pblk <= firstDataBlock || pblk >= blocksCount || count > blocksCount - pblk) {
            return false;
        }
        long end = pblk + count;
        // Ranges are disjoint and sorted, so ends are sorted too: the first range ending past pblk.
        int i = firstEndingAfter(pblk);
        for (; i < starts.length && starts[i] < end; i++) {
            if (owners[i] != ino || ino == CorruptionException.NO_INODE) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when blocks {@code pblk} .. {@code pblk + count - 1} lie inside the filesystem, past
     * s_first_data_block, and touch no range of the zone at all: what blocks no inode owns yet
     * must satisfy before they are allocated, freed, or written as new metadata.
     */
    public boolean isClear(long pblk, long count) {
        return isValid(CorruptionException.NO_INODE, pblk, count);
    }

    /** The zone range (its owner's view) that {@code pblk .. pblk + count - 1} runs into, for messages; null if none. */
    long[] conflict(long ino, long pblk, long count) {
        long end = pblk + count;
        for (int i = firstEndingAfter(pblk); i < starts.length && starts[i] < end; i++) {
            if (owners[i] != ino || ino == CorruptionException.NO_INODE) {
                return new long[] {starts[i], ends[i], owners[i]};
            }
        }
        return null;
    }

    /** True when block {@code pblk} is in the zone (whoever owns it). */
    public boolean contains(long pblk) {
        int i = firstEndingAfter(pblk);
        return i < starts.length && starts[i] <= pblk;
    }

    /** Inconsistencies found while building: a read-write open refuses a filesystem that has any. */
    public List<String> problems() {
        return problems;
    }

    /** Number of disjoint ranges (for tests and memory estimates). */
    public int rangeCount() {
        return starts.length;
    }

    private int firstEndingAfter(long pblk) {
        int lo = 0;
        int hi = ends.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > pblk) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** A builder holding every group's fixed metadata, from the descriptors as the cache holds them (not verified: every claim counts). */
    static Builder groups(DiskView fs) {
        Superblock sb = fs.superblock();
        Builder builder = new Builder(sb);
        int groups = (int) Math.min(Integer.MAX_VALUE - 8, sb.groupCount());
        long[] blockBitmap = new long[groups];
        long[] inodeBitmap = new long[groups];
        long[] inodeTable = new long[groups];
        for (int g = 0; g < groups; g++) {
            GroupDescriptor gd = rawDescriptor(fs, g);
            blockBitmap[g] = gd.blockBitmap();
            inodeBitmap[g] = gd.inodeBitmap();
            inodeTable[g] = gd.inodeTable();
            long first = sb.groupFirstBlock(g);
            builder.add(first, Math.min(sb.baseMetaBlocks(g), sb.blocksCount() - first), 0, Builder.BASE, g);
        }
        // One kind at a time, so that the kind's blocks of consecutive groups (laid out side by side
        // by mkfs, with flex_bg) join into one range as they are added.
        for (int g = 0; g < groups; g++) {
            builder.add(blockBitmap[g], 1, 0, Builder.BLOCK_BITMAP, g);
        }
        for (int g = 0; g < groups; g++) {
            builder.add(inodeBitmap[g], 1, 0, Builder.INODE_BITMAP, g);
        }
        for (int g = 0; g < groups; g++) {
            builder.add(inodeTable[g], builder.itableBlocks, 0, Builder.INODE_TABLE, g);
        }
        return builder;
    }

    /**
     * The physical runs of the journal inode's first {@code blocks} logical blocks. Reading an
     * inode's block map is the extent layer's work, above this one: the file system that opens
     * the view supplies it.
     */
    @FunctionalInterface
    public interface JournalMap {
        void forEachRun(DiskView disk, Inode journal, long blocks, RunSink sink);
    }

    /** Receives one run of {@code count} blocks from {@code pblk}. */
    @FunctionalInterface
    public interface RunSink {
        void run(long pblk, long count);
    }

    /** Adds the journal inode's blocks, owned by it, as ext4_protect_reserved_inode does. */
    static void addJournal(DiskView fs, JournalMap journalMap, Builder builder) {
        Superblock sb = fs.superblock();
        long jino = sb.journalInum();
        if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) || jino == 0 || jino > sb.inodesCount()) {
            return;
        }
        Inode journal = fs.inode(jino);
        if (journal.type() != FileType.REGULAR) {
            return;
        }
        journalMap.forEachRun(fs, journal, journal.size() / fs.blockSize(), (pblk, count) -> builder.addJournal(pblk, count, jino));
    }

    /** What zone block {@code pblk} (owned by {@code owner}, 0 for none) is, for an error message: only on the error path. */
    static String describe(DiskView fs, long pblk, long owner) {
        Superblock sb = fs.superblock();
        if (owner != 0) {
            return "block " + pblk + " belongs to inode " + owner + (owner == sb.journalInum() ? " (the journal)" : "");
        }
        long group = sb.groupOfBlock(pblk);
        if (pblk < sb.groupFirstBlock(group) + sb.baseMetaBlocks(group)) {
            return "block " + pblk + " is the superblock or group descriptors of group " + group;
        }
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + fs.blockSize() - 1) / fs.blockSize();
        for (long g = 0; g < sb.groupCount(); g++) {
            GroupDescriptor gd = rawDescriptor(fs, g);
            if (gd.blockBitmap() == pblk) {
                return "block " + pblk + " is the block bitmap of group " + g;
            }
            if (gd.inodeBitmap() == pblk) {
                return "block " + pblk + " is the inode bitmap of group " + g;
            }
            if (pblk >= gd.inodeTable() && pblk < gd.inodeTable() + itableBlocks) {
                return "block " + pblk + " is in the inode table of group " + g;
            }
        }
        return "block " + pblk + " is group metadata";
    }

    private static GroupDescriptor rawDescriptor(DiskView fs, long group) {
        Superblock sb = fs.superblock();
        byte[] block = fs.blockCache().readShared(sb.groupDescriptorBlock(group));
        int off = sb.groupDescriptorOffset(group);
        return new GroupDescriptor(group, Arrays.copyOfRange(block, off, off + sb.descSize()));
    }

    /** Collects ranges, then sorts and merges them into a zone. */
    static final class Builder {
        static final byte BASE = 0;
        static final byte BLOCK_BITMAP = 1;
        static final byte INODE_BITMAP = 2;
        static final byte INODE_TABLE = 3;
        static final byte JOURNAL = 4;
        private static final String[] KINDS = {"superblock and group descriptors", "block bitmap", "inode bitmap",
            "inode table", "journal"};

        private final Superblock sb;
        final long itableBlocks;
        private long[] start = new long[64];
        private long[] end = new long[64];
        private long[] owner = new long[64];
        private byte[] kind = new byte[64];
        /** The (first) group a range is of, for messages. */
        private long[] group = new long[64];
        private int size;
        private final List<String> problems = new ArrayList<>();

        Builder(Superblock sb) {
            this.sb = sb;
            this.itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
        }

        /** Adds the journal's blocks {@code pblk} .. {@code pblk + count - 1}, owned by the journal inode {@code ino}. */
        void addJournal(long pblk, long count, long ino) {
            add(pblk, count, ino, JOURNAL, 0);
        }

        /**
         * Adds {@code count} blocks from {@code pblk}, of {@code kind}, belonging to group {@code g}
         * (or owned by inode {@code ino}); a range that starts where the last one ended, of the same
         * kind and owner, extends it.
         */
        void add(long pblk, long count, long ino, byte k, long g) {
            if (count <= 0) {
                return;
            }
            long lo = Math.max(pblk, sb.firstDataBlock());
            long hi = Math.min(sb.blocksCount(), pblk + count);
            if (k != BASE && (pblk < sb.firstDataBlock() || count > sb.blocksCount() - pblk)) {
                problems.add(label(k, g) + " (block " + pblk + (count > 1 ? " +" + count : "") + ") lies outside the filesystem");
            }
            if (lo >= hi) {
                return;
            }
            if (size > 0 && lo == end[size - 1] && owner[size - 1] == ino && kind[size - 1] == k) {
                end[size - 1] = hi;
                return;
            }
            if (size == start.length) {
                int n = size * 2;
                start = Arrays.copyOf(start, n);
                end = Arrays.copyOf(end, n);
                owner = Arrays.copyOf(owner, n);
                kind = Arrays.copyOf(kind, n);
                group = Arrays.copyOf(group, n);
            }
            start[size] = lo;
            end[size] = hi;
            owner[size] = ino;
            kind[size] = k;
            group[size] = g;
            size++;
        }

        SystemZone build() {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(start[a], start[b]));
            long[] s = new long[size];
            long[] e = new long[size];
            long[] o = new long[size];
            List<String> found = new ArrayList<>(problems);
            int n = 0;
            int last = -1;
            for (int idx : order) {
                if (n > 0 && start[idx] < e[n - 1]) {
                    found.add(describe(last, s[n - 1], e[n - 1]) + " overlaps " + describe(idx, start[idx], end[idx]));
                    // Keep the union; blocks claimed by two owners belong to nobody.
                    e[n - 1] = Math.max(e[n - 1], end[idx]);
                    if (o[n - 1] != owner[idx]) {
                        o[n - 1] = 0;
                    }
                } else if (n > 0 && start[idx] == e[n - 1] && o[n - 1] == owner[idx]) {
                    e[n - 1] = end[idx];
                } else {
                    s[n] = start[idx];
                    e[n] = end[idx];
                    o[n] = owner[idx];
                    n++;
                }
                last = idx;
            }
            return new SystemZone(sb.firstDataBlock(), sb.blocksCount(), Arrays.copyOf(s, n), Arrays.copyOf(e, n),
                    Arrays.copyOf(o, n), found);
        }

        private static String label(byte k, long g) {
            return k == JOURNAL ? "journal" : KINDS[k] + " of group " + g;
        }

        private String describe(int idx, long s, long e) {
            return "the " + label(kind[idx], group[idx]) + " (blocks " + s + ".." + (e - 1) + ")";
        }
    }
}
