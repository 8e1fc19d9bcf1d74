package org.ext4j.core.extent;

import java.util.ArrayList;
import java.util.List;

import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.BlockRun;
import org.ext4j.core.tx.Transaction;

/**
 * The allocate loop both {@link BlockMapWriter}s share ({@link BlockMapWriter#allocate}): walk a
 * logical range, keep what is mapped, give each hole new blocks found from a goal the map chooses.
 * What differs between an extent tree and an indirect map (how a run is looked up and recorded,
 * where to look for blocks) comes from a {@link Cursor}.
 */
final class HoleFiller {
    private HoleFiller() {
    }

    /** One call's view of a block map, as the loop reads and extends it. */
    interface Cursor {
        /** The run at {@code lblk}, at most {@code maxLen} blocks (see {@link BlockMap#map}). */
        Mapping map(long lblk, long maxLen);

        /** The physical block to search from for the hole starting at {@code lblk}. */
        long goal(long lblk);

        /** Records the new run {@code run} at {@code lblk} in the map and says how it is mapped. */
        Mapping place(long lblk, BlockRun run);

        /** Adds {@code blocks} newly allocated data blocks to the inode's i_blocks change. */
        void countBlocks(long blocks);
    }

    /**
     * Maps the holes in [{@code lblk}, {@code lblk + count}) through {@code cursor}, one
     * allocator call per hole; the caller has checked the range.
     *
     * @return the mappings covering the whole range in logical order (existing and new runs)
     */
    static List<Mapping> fill(Transaction tx, BlockAllocator allocator, boolean mayUseReserved,
                              Cursor cursor, long lblk, long count) {
        List<Mapping> out = new ArrayList<>();
        long end = lblk + count;
        long pos = lblk;
        while (pos < end) {
            Mapping m = cursor.map(pos, end - pos);
            if (m.isAllocated()) {
                out.add(m);
                pos = m.lblkEnd();
                continue;
            }
            long holeLen = m.length();
            List<BlockRun> runs = allocator.allocate(tx, cursor.goal(pos), holeLen, mayUseReserved);
            cursor.countBlocks(holeLen);
            long at = pos;
            for (BlockRun run : runs) {
                out.add(cursor.place(at, run));
                at += run.length();
            }
            pos += holeLen;
        }
        return out;
    }
}
