package org.ext4j.core.journal;

import java.io.IOException;
import java.util.function.LongUnaryOperator;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.spi.CorruptionException;

/** Reads journal blocks by their number inside the journal, through the journal inode's block map. */
final class JournalLog {
    private final BlockDevice device;
    private final int blockSize;
    private final long fsBlocksCount;
    private final LongUnaryOperator journalBlockToFsBlock;
    private final long journalBlocks;

    JournalLog(BlockDevice device, int blockSize, long fsBlocksCount, LongUnaryOperator journalBlockToFsBlock,
               long journalBlocks) {
        if (blockSize < 1024 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("filesystem block size " + blockSize + " is not a power of two >= 1024");
        }
        this.device = device;
        this.blockSize = blockSize;
        this.fsBlocksCount = fsBlocksCount;
        this.journalBlockToFsBlock = journalBlockToFsBlock;
        this.journalBlocks = journalBlocks;
    }

    int blockSize() {
        return blockSize;
    }

    long fsBlocksCount() {
        return fsBlocksCount;
    }

    long journalBlocks() {
        return journalBlocks;
    }

    /** The filesystem block holding journal block {@code journalBlock}, checked to lie inside the filesystem. */
    long fsBlockOf(long journalBlock) {
        if (!(journalBlock >= 0 && journalBlock < journalBlocks)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, CorruptionException.NO_INODE, journalBlock,
                    "journal block " + journalBlock + " is outside the journal's " + journalBlocks + " blocks");
        }
        long pblk = journalBlockToFsBlock.applyAsLong(journalBlock);
        // Block 0 never holds a journal block: it is the boot block or the primary superblock.
        if (!(pblk > 0 && pblk < fsBlocksCount)) {
            throw new CorruptionException(CorruptionException.Structure.JOURNAL, CorruptionException.NO_INODE, journalBlock,
                    "journal inode maps journal block " + journalBlock + " to filesystem block " + pblk
                        + ", outside 1.." + (fsBlocksCount - 1));
        }
        return pblk;
    }

    /** A fresh copy of journal block {@code journalBlock}. */
    byte[] read(long journalBlock) throws IOException {
        long pblk = fsBlockOf(journalBlock);
        return device.read(pblk * blockSize, blockSize);
    }
}
