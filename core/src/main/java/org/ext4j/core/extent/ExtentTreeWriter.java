package org.ext4j.core.extent;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.BlockRun;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;

/**
 * Changes an inode's ext4 extent tree inside a transaction. Each call checks its range, opens an
 * {@link ExtentTreeEdit} on the tree, lets the part that knows do the work and finishes the
 * edit: {@link ExtentInsertion} (merging, splitting full nodes, growing the depth),
 * {@link ExtentRemoval} (cutting extents, freeing emptied tree blocks; a small enough tree
 * moves back into i_block when the edit finishes), {@link ExtentConversion} (written and
 * unwritten) and {@link ExtentShift} (collapse and insert range).
 */
final class ExtentTreeWriter implements BlockMapWriter {
    private final Transaction tx;
    private final long ino;
    private final BlockAllocator allocator;
    private final boolean mayUseReserved;

    ExtentTreeWriter(Transaction tx, long ino, BlockAllocator allocator, boolean mayUseReserved) {
        this.tx = tx;
        this.ino = ino;
        this.allocator = allocator;
        this.mayUseReserved = mayUseReserved;
    }

    @Override
    public long addressableBlocks() {
        return ExtentTreeEdit.LBLK_END;
    }

    @Override
    public boolean supportsUnwritten() {
        return true;
    }

    @Override
    public List<Mapping> allocate(long lblk, long count, boolean unwritten) {
        checkRange(lblk, count);
        ExtentTreeEdit edit = edit(true);
        List<Mapping> out = HoleFiller.fill(tx, allocator, mayUseReserved, new HoleFiller.Cursor() {
            @Override
            public Mapping map(long at, long maxLen) {
                return edit.map(at, maxLen);
            }

            @Override
            public long goal(long at) {
                return edit.goal(at);
            }

            @Override
            public Mapping place(long at, BlockRun run) {
                ExtentInsertion.insert(edit, at, run.start(), run.length(), unwritten);
                return new Mapping(at, run.start(), run.length(), unwritten ? Mapping.Kind.UNWRITTEN : Mapping.Kind.MAPPED);
            }

            @Override
            public void countBlocks(long blocks) {
                edit.blocksDelta += blocks;
            }
        }, lblk, count);
        edit.finish();
        return out;
    }

    /**
     * Maps the hole under {@code run} (written, from {@code run.lblk()} on) to the run's blocks,
     * which the inode already owns and counts in i_blocks (an indirect map becoming this tree):
     * only the tree blocks the insertion needs are allocated and counted.
     */
    void mapOwned(Mapping run) {
        checkRange(run.lblk(), run.length());
        ExtentTreeEdit edit = edit(true);
        ExtentInsertion.insert(edit, run.lblk(), run.pblk(), run.length(), false);
        edit.finish();
    }

    @Override
    public void free(long fromLblk, long toLblkExclusive) {
        if (fromLblk < 0 || toLblkExclusive < fromLblk) {
            throw new IllegalArgumentException("free(" + fromLblk + ", " + toLblkExclusive + "): bad range");
        }
        long to = Math.min(toLblkExclusive, ExtentTreeEdit.LBLK_END);
        if (fromLblk >= to) {
            return;
        }
        ExtentTreeEdit edit = edit(true);
        ExtentRemoval.unmap(edit, fromLblk, to, true);
        edit.finish();
    }

    @Override
    public void convertUnwritten(long lblk, long count) {
        checkRange(lblk, count);
        ExtentTreeEdit edit = edit(true);
        ExtentConversion.convert(edit, lblk, lblk + count, false);
        edit.finish();
    }

    @Override
    public void convertToUnwritten(long lblk, long count) {
        checkRange(lblk, count);
        ExtentTreeEdit edit = edit(true);
        ExtentConversion.convert(edit, lblk, lblk + count, true);
        edit.finish();
    }

    @Override
    public void collapseRange(long lblk, long count) {
        checkRange(lblk, count);
        ExtentTreeEdit edit = edit(true);
        ExtentShift.collapse(edit, lblk, count);
        edit.finish();
    }

    @Override
    public void insertRange(long lblk, long count) {
        checkRange(lblk, count);
        ExtentTreeEdit edit = edit(true);
        ExtentShift.insert(edit, lblk, count);
        edit.finish();
    }

    @Override
    public Mapping map(long lblk, long maxLen) {
        MapBounds.check(lblk, maxLen);
        if (lblk >= ExtentTreeEdit.LBLK_END) {
            return Mapping.hole(lblk, maxLen);
        }
        return edit(false).map(lblk, maxLen);
    }

    /** Every extent in logical order, as the transaction sees the tree. */
    public List<Mapping> extents() {
        ExtentTreeEdit edit = edit(false);
        List<Mapping> out = new ArrayList<>();
        long pos = 0;
        for (long guard = 0; guard <= edit.blocksCount; guard++) {
            ExtentPath p = edit.nextExtent(pos);
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
        return ExtentNodes.depth(edit(false).root.b);
    }

    /** Reads the inode and its root; {@code writable} takes write access to every tree block read. */
    private ExtentTreeEdit edit(boolean writable) {
        return new ExtentTreeEdit(tx, ino, allocator, mayUseReserved, writable);
    }

    private void checkRange(long lblk, long count) {
        if (lblk < 0 || count < 1) {
            throw new IllegalArgumentException("range " + lblk + " (+" + count + ") is empty or negative");
        }
        if (lblk >= ExtentTreeEdit.LBLK_END || count > ExtentTreeEdit.LBLK_END - lblk) {
            throw new Ext4Exception(Errno.EFBIG, "logical blocks " + lblk + " (+" + count + ") of inode " + ino
                    + " lie past the last block an extent can map (" + (ExtentTreeEdit.LBLK_END - 1) + ")");
        }
    }
}
