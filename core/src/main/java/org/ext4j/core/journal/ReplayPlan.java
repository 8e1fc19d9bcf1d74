package org.ext4j.core.journal;

import java.util.Arrays;

/**
 * The logged blocks found by the scan pass, in log order: for each, its transaction, where it sits
 * in the journal and its tag. Held in primitive arrays because a large journal logs many blocks;
 * its length never exceeds the log's, as every entry occupies one journal block.
 */
final class ReplayPlan {
    private int size;
    private int[] sequence = new int[16];
    private long[] journalBlock = new long[16];
    private long[] fsBlock = new long[16];
    private int[] flags = new int[16];
    private int[] checksum = new int[16];

    void add(int seq, long jblk, JournalBlockTag tag) {
        if (size == sequence.length) {
            int n = size * 2;
            sequence = Arrays.copyOf(sequence, n);
            journalBlock = Arrays.copyOf(journalBlock, n);
            fsBlock = Arrays.copyOf(fsBlock, n);
            flags = Arrays.copyOf(flags, n);
            checksum = Arrays.copyOf(checksum, n);
        }
        sequence[size] = seq;
        journalBlock[size] = jblk;
        fsBlock[size] = tag.fsBlock();
        flags[size] = tag.flags();
        checksum[size] = tag.checksum();
        size++;
    }

    /** Drops every entry of transaction {@code end} and later (entries are in transaction order). */
    void truncateAt(int end) {
        int n = 0;
        while (n < size && JournalRecovery.tidBefore(sequence[n], end)) {
            n++;
        }
        size = n;
    }

    int size() {
        return size;
    }

    int sequence(int i) {
        return sequence[i];
    }

    long journalBlock(int i) {
        return journalBlock[i];
    }

    long fsBlock(int i) {
        return fsBlock[i];
    }

    JournalBlockTag tag(int i) {
        return new JournalBlockTag(fsBlock[i], flags[i], checksum[i]);
    }

    /** The distinct target blocks, sorted. */
    long[] distinctFsBlocks() {
        long[] sorted = Arrays.copyOf(fsBlock, size);
        Arrays.sort(sorted);
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (n == 0 || sorted[n - 1] != sorted[i]) {
                sorted[n++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, n);
    }
}
