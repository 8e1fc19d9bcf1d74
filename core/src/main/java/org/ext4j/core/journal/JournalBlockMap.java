package org.ext4j.core.journal;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.CorruptionException;

/**
 * The journal inode's block map, read once: runs of journal blocks and the filesystem blocks that
 * hold them. A writer maps every log block it writes, so the extent tree (or ext3 indirect map) is
 * not walked again for each one; a journal is normally a handful of runs.
 */
final class JournalBlockMap implements LongUnaryOperator {
    /** jbd2 journal block numbers are 32-bit (s_maxlen, s_first, s_start). */
    private static final long MAX_JOURNAL_BLOCKS = 1L << 32;

    private final long[] runStart;
    private final long[] runPblk;
    private final long blocks;

    private JournalBlockMap(long[] runStart, long[] runPblk, long blocks) {
        this.runStart = runStart;
        this.runPblk = runPblk;
        this.blocks = blocks;
    }

    /**
     * Reads the block map of {@code journal}, which must be a regular file whose every block is
     * mapped to a block inside the filesystem beyond the primary superblock and the first block
     * of group descriptors: a writer puts log blocks there, and a hostile map must not make it
     * overwrite what the filesystem is opened from.
     */
    static JournalBlockMap of(DiskView fs, Inode journal) {
        if (!(journal.type() == FileType.REGULAR)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, journal.ino(), CorruptionException.NO_BLOCK,
                    "journal inode " + journal.ino() + " is not a regular file");
        }
        long blocks = journal.size() / fs.blockSize();
        if (!(journal.size() >= 0 && blocks >= 1 && blocks <= MAX_JOURNAL_BLOCKS)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, journal.ino(), CorruptionException.NO_BLOCK,
                    "journal inode " + journal.ino() + ": size " + journal.size() + " is not a journal's");
        }
        BlockMap map = BlockMap.of(fs, journal);
        long lowest = fs.superblock().groupDescriptorBlock(0);
        long[] starts = new long[4];
        long[] pblks = new long[4];
        int runs = 0;
        long lblk = 0;
        // Every pass consumes at least one block, so the loop ends after at most `blocks` passes.
        while (lblk < blocks) {
            Mapping m = map.map(lblk, blocks - lblk);
            if (m.kind() != Mapping.Kind.MAPPED || m.length() < 1) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL, journal.ino(), CorruptionException.NO_BLOCK, "journal inode " + journal.ino() + ": block " + lblk + " is not mapped");
            }
            long length = Math.min(m.length(), blocks - lblk);
            if (m.pblk() <= lowest || m.pblk() > fs.blocksCount() - length) {
                throw new CorruptionException(CorruptionException.Structure.JOURNAL, journal.ino(), CorruptionException.NO_BLOCK, "journal inode " + journal.ino() + ": blocks " + lblk + " (+" + length
                        + ") map to " + m.pblk() + ", outside " + (lowest + 1) + ".." + (fs.blocksCount() - 1));
            }
            if (runs > 0 && runPblkEnd(starts, pblks, runs, lblk) == m.pblk()) {
                lblk += length;
                continue;
            }
            if (runs == starts.length) {
                starts = Arrays.copyOf(starts, runs * 2);
                pblks = Arrays.copyOf(pblks, runs * 2);
            }
            starts[runs] = lblk;
            pblks[runs] = m.pblk();
            runs++;
            lblk += length;
        }
        return new JournalBlockMap(Arrays.copyOf(starts, runs), Arrays.copyOf(pblks, runs), blocks);
    }

    /** Where the run ending just before {@code lblk} would continue on disk. */
    private static long runPblkEnd(long[] starts, long[] pblks, int runs, long lblk) {
        return pblks[runs - 1] + (lblk - starts[runs - 1]);
    }

    /** Blocks in the journal inode. */
    long blocks() {
        return blocks;
    }

    /** The filesystem block holding journal block {@code journalBlock}. */
    @Override
    public long applyAsLong(long journalBlock) {
        if (journalBlock < 0 || journalBlock >= blocks) {
            throw new IllegalArgumentException("journal block " + journalBlock + " is outside the journal's " + blocks);
        }
        int i = Arrays.binarySearch(runStart, journalBlock);
        if (i < 0) {
            i = -i - 2;
        }
        return runPblk[i] + (journalBlock - runStart[i]);
    }
}
