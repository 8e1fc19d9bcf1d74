package org.ext4j.core.dir;

import java.util.List;
import org.ext4j.core.extent.BlockMapWriter;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.tx.Transaction;

// The block map of a directory as a transaction sees it, and its growth by one block at a time.
/**
 * Maps and grows a directory inside a transaction through the {@link BlockMapWriter}, so that
 * lookups see blocks (and extent tree blocks) the transaction changed.
 */
final class DirectoryBlocks {
    private final Transaction tx;
    private final long ino;
    private final boolean mayUseReserved;
    private BlockMapWriter writer;

    private DirectoryBlocks(Transaction tx, long ino, boolean mayUseReserved) {
        this.tx = tx;
        this.ino = ino;
        this.mayUseReserved = mayUseReserved;
    }

    /** The blocks of directory {@code ino} as {@code tx} sees them. */
    static DirectoryBlocks of(Transaction tx, long ino, boolean mayUseReserved) {
        return new DirectoryBlocks(tx, ino, mayUseReserved);
    }

    /** The run at {@code lblk}, as {@link org.ext4j.core.extent.BlockMap#map} answers it, in the transaction's view. */
    Mapping map(long lblk, long maxLen) {
        return writer().map(lblk, maxLen);
    }

    /**
     * Allocates and maps one block for logical block {@code lblk} (the block right after the
     * directory's last one); the block map writer counts it in i_blocks.
     *
     * @return the physical block
     */
    long allocate(long lblk) {
        // As ext4_append checks: a block past i_size that is already mapped means i_size is wrong,
        // and initialising it as an empty block would drop the entries it holds.
        Mapping existing = writer().map(lblk, 1);
        if (existing.kind() != Mapping.Kind.HOLE) {
            throw tx.fileSystem().errors().corruption(CorruptionException.Structure.DIRECTORY, ino, existing.pblk(),
                    "ext4_append", "directory inode " + ino
                    + ": logical block " + lblk + " past i_size is already mapped (to block " + existing.pblk() + ")");
        }
        List<Mapping> runs = writer().allocate(lblk, 1, false);
        Mapping run = runs.isEmpty() ? null : runs.get(0);
        if (!(run != null && run.kind() == Mapping.Kind.MAPPED && run.lblk() <= lblk && lblk < run.lblkEnd())) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, ino, CorruptionException.NO_BLOCK, "directory inode " + ino + ": logical block " + lblk
                    + " is not mapped after its allocation: " + runs);
        }
        return run.pblk() + (lblk - run.lblk());
    }

    private BlockMapWriter writer() {
        if (writer == null) {
            writer = BlockMapWriter.of(tx, ino, mayUseReserved);
        }
        return writer;
    }
}
