package org.ext4j.core.tx;

import java.io.IOException;
import java.util.Arrays;
import org.ext4j.core.io.BlockDevice;

/**
 * Commits a transaction without a journal by writing every block to its home location, in an
 * order chosen so that a crash between any two writes leaves at worst leaked blocks or wrong
 * free counters (which e2fsck fixes silently), never a block referenced while marked free:
 *
 * <ol>
 * <li>flush, if ordered file data was written: data reaches the disk before anything points at it;
 * <li>phase 1: blocks created in the transaction ({@link BlockRole#NEW}) and the bitmaps in their
 *     "allocation view" — the old content with this transaction's newly set bits added but its
 *     cleared bits not yet cleared — then flush. Everything later may now refer to the blocks and
 *     inodes this transaction allocated;
 * <li>phase 2: group descriptors (their UNINIT flags are cleared only after the bitmaps they make
 *     valid are on disk) and all other metadata (inodes, extent and directory blocks, which point
 *     at what phase 1 marked in use, and no longer point at what phase 3 frees), then flush;
 * <li>phase 3: the bitmaps whose final content differs from their allocation view (this
 *     transaction freed something: cleared only after the references are gone), and the
 *     superblock last (its free counters are advisory: e2fsck and the kernel recompute them),
 *     then flush.
 * </ol>
 * A phase with nothing to write adds no flush. Without barriers the device could reorder writes
 * across phases, so each phase ends with {@link BlockDevice#flush()}.
 */
public final class InPlaceCommitWriter implements CommitWriter {
    private final BlockDevice device;
    private final int blockSize;

    public InPlaceCommitWriter(BlockDevice device, int blockSize) {
        this.device = device;
        this.blockSize = blockSize;
    }

    @Override
    public void write(CommitRecord record) throws IOException {
        if (record.hasOrderedData()) {
            device.flush();
        }
        boolean wrote = false;
        for (CommittedBlock b : record.blocks()) {
            if (b.role() == BlockRole.NEW) {
                writeBlock(b.pblk(), b.content());
                wrote = true;
            } else if (b.role() == BlockRole.BITMAP) {
                writeBlock(b.pblk(), allocationView(b));
                wrote = true;
            }
        }
        flushIf(wrote);
        wrote = false;
        for (CommittedBlock b : record.blocks()) {
            if (b.role() == BlockRole.GROUP_DESCRIPTORS) {
                writeBlock(b.pblk(), b.content());
                wrote = true;
            }
        }
        for (CommittedBlock b : record.blocks()) {
            if (b.role() == BlockRole.METADATA || b.role() == BlockRole.INODE_TABLE) {
                writeBlock(b.pblk(), b.content());
                wrote = true;
            }
        }
        flushIf(wrote);
        wrote = false;
        for (CommittedBlock b : record.blocks()) {
            if (b.role() == BlockRole.BITMAP && !Arrays.equals(allocationView(b), b.content())) {
                writeBlock(b.pblk(), b.content());
                wrote = true;
            }
        }
        for (CommittedBlock b : record.blocks()) {
            if (b.role() == BlockRole.SUPERBLOCK) {
                writeBlock(b.pblk(), b.content());
                wrote = true;
            }
        }
        flushIf(wrote);
    }

    /** The bitmap with the bits this transaction set, but still with the bits it cleared. */
    static byte[] allocationView(CommittedBlock b) {
        if (b.original() == null) {
            return b.content();
        }
        byte[] view = b.content().clone();
        for (int i = 0; i < view.length; i++) {
            view[i] |= b.original()[i];
        }
        return view;
    }

    private void writeBlock(long pblk, byte[] content) throws IOException {
        device.write(pblk * blockSize, content, 0, blockSize);
    }

    private void flushIf(boolean wrote) throws IOException {
        if (wrote) {
            device.flush();
        }
    }
}
