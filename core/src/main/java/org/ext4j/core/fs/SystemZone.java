package org.ext4j.core.fs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inode.FileType;
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
     * inode (or nobody) owns. The kernel's ext4_inode_block_valid.
     */
    public boolean isValid(long ino, long pblk, long count) {
        if (count < 1 || pblk <= firstDataBlock || pblk >= blocksCount || count > blocksCount - pblk) {
            return false;
        }
        long end = pblk + count;
        // Ranges are disjoint and sorted, so ends are sorted too: the first range ending past pblk.
        int i = firstEndingAfter(pblk);
        for (; i < starts.length && starts[i] < end; i++) {
            if (owners[i] != ino || ino == 0) {
                return false;
            }
        }
        return true;
    }

    /** The zone range (its owner's view) that {@code pblk .. pblk + count - 1} runs into, for messages; null if none. */
    long[] conflict(long ino, long pblk, long count) {
        long end = pblk + count;
        for (int i = firstEndingAfter(pblk); i < starts.length && starts[i] < end; i++) {
            if (owners[i] != ino || ino == 0) {
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
    static Builder groups(Ext4FileSystem fs) {
        Superblock sb = fs.superblock();
        Builder builder = new Builder(sb);
        for (long g = 0; g < sb.groupCount(); g++) {
            builder.addGroup(g, rawDescriptor(fs, g));
        }
        return builder;
    }

    /** Adds the journal inode's blocks, owned by it, as ext4_protect_reserved_inode does. */
    static void addJournal(Ext4FileSystem fs, Builder builder) {
        Superblock sb = fs.superblock();
        long jino = sb.journalInum();
        if (!sb.hasCompat(Features.COMPAT_HAS_JOURNAL) || jino == 0 || jino > sb.inodesCount()) {
            return;
        }
        Inode journal = fs.inode(jino);
        if (journal.type() != FileType.REGULAR) {
            return;
        }
        BlockMap map = BlockMap.of(fs, journal);
        long blocks = Math.min(journal.size() / fs.blockSize(), BlockMap.LBLK_LIMIT);
        long lblk = 0;
        while (lblk < blocks) {
            Mapping m = map.map(lblk, blocks - lblk);
            if (m.kind() != Mapping.Kind.HOLE) {
                builder.addOwned(m.pblk(), m.length(), jino, "journal");
            }
            lblk += m.length();
        }
    }

    /** What zone block {@code pblk} (owned by {@code owner}, 0 for none) is, for an error message: only on the error path. */
    static String describe(Ext4FileSystem fs, long pblk, long owner) {
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

    private static GroupDescriptor rawDescriptor(Ext4FileSystem fs, long group) {
        Superblock sb = fs.superblock();
        byte[] block = fs.blockCache().readShared(sb.groupDescriptorBlock(group));
        int off = sb.groupDescriptorOffset(group);
        return new GroupDescriptor(group, Arrays.copyOfRange(block, off, off + sb.descSize()));
    }

    /** Collects ranges, then sorts and merges them into a zone. */
    static final class Builder {
        private final Superblock sb;
        private final long itableBlocks;
        private long[] start = new long[64];
        private long[] end = new long[64];
        private long[] owner = new long[64];
        private String[] what = new String[64];
        private int size;
        private final List<String> problems = new ArrayList<>();

        Builder(Superblock sb) {
            this.sb = sb;
            this.itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + sb.blockSize() - 1) / sb.blockSize();
        }

        /**
         * Adds group {@code group}'s fixed metadata: the superblock backup and descriptor blocks at
         * its start ({@code gd} may be null when only those are wanted), and, from its descriptor,
         * its bitmaps and inode table wherever they are.
         */
        void addGroup(long group, GroupDescriptor gd) {
            long base = sb.baseMetaBlocks(group);
            long first = sb.groupFirstBlock(group);
            if (base > 0) {
                add(first, Math.min(base, sb.blocksCount() - first), 0, null);
            }
            if (gd != null) {
                add(gd.blockBitmap(), 1, 0, "block bitmap of group " + group);
                add(gd.inodeBitmap(), 1, 0, "inode bitmap of group " + group);
                add(gd.inodeTable(), itableBlocks, 0, "inode table of group " + group);
            }
        }

        /** Adds {@code count} blocks from {@code pblk} owned by inode {@code ino} (the journal's own blocks). */
        void addOwned(long pblk, long count, long ino, String what) {
            add(pblk, count, ino, what);
        }

        private void add(long pblk, long count, long ino, String label) {
            long lo = Math.max(pblk, sb.firstDataBlock());
            long hi = Math.min(sb.blocksCount(), pblk + count);
            if (label != null && (pblk < sb.firstDataBlock() || count > sb.blocksCount() - pblk || pblk + count > sb.blocksCount())) {
                problems.add(label + " (block " + pblk + (count > 1 ? " +" + count : "") + ") lies outside the filesystem");
            }
            if (lo >= hi) {
                return;
            }
            if (size == start.length) {
                int n = size * 2;
                start = Arrays.copyOf(start, n);
                end = Arrays.copyOf(end, n);
                owner = Arrays.copyOf(owner, n);
                what = Arrays.copyOf(what, n);
            }
            start[size] = lo;
            end[size] = hi;
            owner[size] = ino;
            what[size] = label;
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
            String[] w = new String[size];
            List<String> found = new ArrayList<>(problems);
            int n = 0;
            for (Integer idx : order) {
                long rs = start[idx];
                long re = end[idx];
                long ro = owner[idx];
                String rw = what[idx];
                if (n > 0 && rs < e[n - 1]) {
                    found.add(describe(w[n - 1], s[n - 1], e[n - 1]) + " overlaps " + describe(rw, rs, re));
                    // Keep the union; blocks claimed by two owners belong to nobody.
                    e[n - 1] = Math.max(e[n - 1], re);
                    if (o[n - 1] != ro) {
                        o[n - 1] = 0;
                    }
                } else if (n > 0 && rs == e[n - 1] && o[n - 1] == ro) {
                    e[n - 1] = re;
                    w[n - 1] = rw;
                } else {
                    s[n] = rs;
                    e[n] = re;
                    o[n] = ro;
                    w[n] = rw;
                    n++;
                }
            }
            return new SystemZone(sb.firstDataBlock(), sb.blocksCount(), Arrays.copyOf(s, n), Arrays.copyOf(e, n),
                    Arrays.copyOf(o, n), found);
        }

        private static String describe(String what, long s, long e) {
            String blocks = "blocks " + s + ".." + (e - 1);
            return what == null ? "the superblock and group descriptors (" + blocks + ")" : "the " + what + " (" + blocks + ")";
        }
    }
}
