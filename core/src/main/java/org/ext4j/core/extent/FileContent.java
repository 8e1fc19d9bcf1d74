package org.ext4j.core.extent;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * Reads a file's bytes through its block map: up to i_size, holes and unwritten extents as
 * zeros, and each physically contiguous run with one device read straight into the caller's
 * buffer. Keep one instance per open file so the block map's cached leaf is reused between reads.
 */
public final class FileContent {
    private final DiskView fs;
    private final Inode inode;
    private final BlockMap blockMap;

    /**
     * Prepares to read {@code inode}.
     *
     * @throws Ext4Exception EOPNOTSUPP for an inline-data inode: its bytes are read by
     *                       {@code org.ext4j.core.inline.InlineData.content(fs, inode)}, which the
     *                       caller must choose instead; EINVAL for an inode without blocks
     *                       (see {@link BlockMap#of})
     */
    public FileContent(DiskView fs, Inode inode) {
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + inode.ino()
                    + " keeps its data inline; FileContent reads only block-mapped files");
        }
        this.fs = fs;
        this.inode = inode;
        this.blockMap = BlockMap.of(fs, inode);
    }

    /**
     * Reads {@code len} bytes of {@code inode} at {@code pos} into {@code dst[off..]}: the
     * one-shot form of {@link #read(long, byte[], int, int)}.
     */
    public static int read(DiskView fs, Inode inode, long pos, byte[] dst, int off, int len) {
        return new FileContent(fs, inode).read(pos, dst, off, len);
    }

    /** The block map reads go through. */
    public BlockMap blockMap() {
        return blockMap;
    }

    /**
     * Reads up to {@code len} bytes at byte {@code pos} into {@code dst[off..]}.
     *
     * @return the number of bytes read: {@code len} clipped to i_size, 0 at or after the end
     * @throws Ext4Exception EINVAL for a negative position, EIO when the device fails,
     *                       EUCLEAN (CorruptionException) when the block map is invalid
     */
    public int read(long pos, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (pos < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative read position " + pos + " in inode " + inode.ino());
        }
        long size = inode.size();
        if (pos >= size || len == 0) {
            return 0;
        }
        int total = (int) Math.min(len, size - pos);
        long end = pos + total;
        int blockSize = fs.blockSize();
        long lastBlock = (end - 1) / blockSize;
        long cur = pos;
        int dstPos = off;
        while (cur < end) {
            long lblk = cur / blockSize;
            Mapping run = blockMap.map(lblk, lastBlock - lblk + 1);
            if (run.lblk() != lblk || run.length() < 1) {
                throw new IllegalStateException("block map answered " + run + " for logical block " + lblk);
            }
            long runEndByte = Math.min(end, run.lblkEnd() * blockSize);
            int chunk = (int) (runEndByte - cur);
            if (run.kind() == Mapping.Kind.MAPPED) {
                long deviceOffset = run.pblk() * blockSize + (cur - lblk * blockSize);
                try {
                    fs.device().read(deviceOffset, dst, dstPos, chunk);
                } catch (IOException e) {
                    throw new Ext4Exception(Errno.EIO, "reading " + chunk + " bytes of inode " + inode.ino()
                            + " at byte " + cur + " (block " + run.pblk() + ") failed: " + e.getMessage(), e);
                }
            } else {
                Arrays.fill(dst, dstPos, dstPos + chunk, (byte) 0);
            }
            cur += chunk;
            dstPos += chunk;
        }
        return total;
    }
}
