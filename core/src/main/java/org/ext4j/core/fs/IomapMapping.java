package org.ext4j.core.fs;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.BlockMapWriter;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;

/**
 * The block mapping a backend that lets the kernel move file data itself (FUSE iomap) asks
 * for: where a byte range lies on the device, blocks allocated ahead of a write as unwritten
 * extents, and the completion that turns them written and moves i_size.
 */
final class IomapMapping {
    /** A cap on the mappings one call returns; callers continue from where the list ends. */
    private static final int MAX_MAPPINGS = 4096;

    private final MountState mount;
    private final LiveInodes inodes;
    private final XattrOperations xattrOps;

    IomapMapping(MountState mount, LiveInodes inodes, XattrOperations xattrOps) {
        this.mount = mount;
        this.inodes = inodes;
        this.xattrOps = xattrOps;
    }

    /** The mappings of a byte range, for FIEMAP-like callers and iomap reads (at most MAX_MAPPINGS per call). */
    List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw new Ext4Exception(Errno.EINVAL, "bad range " + offset + "+" + length);
        }
        Inode inode = inodes.liveInode(ino);
        List<MappedExtent> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        if (inode.type() != FileType.REGULAR && inode.type() != FileType.DIRECTORY) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " has no block map");
        }
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            out.add(new MappedExtent(offset, length, -1, MappedExtent.Kind.INLINE));
            return out;
        }
        long bs = mount.fs.blockSize();
        BlockMap map = BlockMap.of(mount.fs, inode);
        long lblk = offset / bs;
        long endBlock = (offset + length - 1) / bs + 1;
        while (lblk < endBlock && out.size() < MAX_MAPPINGS) {
            Mapping m = map.map(lblk, endBlock - lblk);
            if (!(m.lblk() == lblk && m.length() > 0)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_MAP, ino, CorruptionException.NO_BLOCK,
                        "inode " + ino + ": block map made no progress at " + lblk);
            }
            long start = Math.max(offset, lblk * bs);
            long end = Math.min(offset + length, (lblk + m.length()) * bs);
            long dev = m.kind() == Mapping.Kind.HOLE ? -1 : m.pblk() * bs + (start - lblk * bs);
            MappedExtent.Kind kind = switch (m.kind()) {
                case HOLE -> MappedExtent.Kind.HOLE;
                case MAPPED -> MappedExtent.Kind.MAPPED;
                case UNWRITTEN -> MappedExtent.Kind.UNWRITTEN;
            };
            out.add(new MappedExtent(start, end - start, dev, kind));
            lblk += m.length();
        }
        return out;
    }

    /**
     * Maps (allocating where there is a hole) the blocks a write through the kernel's iomap
     * path will fill. Holes become unwritten extents for buffered writes too, as the kernel's ext4
     * does by default (dioread_nolock): the allocation is reported at write(2) time, where a full
     * disk must fail, and the data shows only once the kernel says it is on the device.
     */
    MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite) {
        mount.requireWritable();
        if (pos < 0 || count <= 0 || pos > Long.MAX_VALUE - count) {
            throw new Ext4Exception(Errno.EINVAL, "bad write range " + pos + "+" + count + " of inode " + ino);
        }
        int bs = mount.fs.blockSize();
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = liveRegularFile(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " keeps its data inline: no blocks to map");
            }
            BlockMapWriter map = BlockMapWriter.of(tx, ino, mount.writers().allocator(), false);
            if (!map.supportsUnwritten()) {
                throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map: no unwritten extents");
            }
            long max = FileContentWriter.maxFileSize(mount.fs.superblock(), true);
            if (pos >= max) {
                throw new Ext4Exception(Errno.EFBIG, "writing at " + pos + " of inode " + ino + " passes the maximum file size " + max);
            }
            long first = pos / bs;
            long last = (Math.min(pos + count, max) - 1) / bs;
            Mapping run = map.map(first, last - first + 1);
            if (!(run.lblk() == first && run.length() > 0)) {
                throw new CorruptionException(CorruptionException.Structure.BLOCK_MAP, ino, CorruptionException.NO_BLOCK,
                        "inode " + ino + ": block map made no progress at " + first);
            }
            if (run.kind() == Mapping.Kind.HOLE) {
                run = map.allocate(first, run.length(), true).get(0);
                if (!(run.lblk() == first && run.isAllocated())) {
                    throw new CorruptionException(CorruptionException.Structure.INODE, ino, first,
                            "inode " + ino
                        + ": allocating block " + first + " mapped " + run);
                }
            }
            boolean dropped = false;
            if (fileWrite) {
                Inode now = InodeStore.read(tx, ino);
                Timestamp time = mount.now();
                int mode = SetattrRules.withoutPrivileges(caller, now.mode(), now.gid());
                InodeStore.write(tx, ino, new InodeEditor(now).mtime(time).ctime(time).mode(mode).raw());
                xattrOps.killPriv(tx, ino);
                dropped = mode != now.mode();
            }
            tx.commit();
            mount.told(dropped, ino);
            MappedExtent.Kind kind = run.kind() == Mapping.Kind.MAPPED ? MappedExtent.Kind.MAPPED : MappedExtent.Kind.UNWRITTEN;
            return new MappedExtent(run.lblk() * bs, run.length() * bs, run.pblk() * bs, kind);
        }
    }

    /**
     * Completes a write the kernel made to the mapped blocks: converts them from unwritten and
     * moves i_size when asked. Nothing on the device is touched: zeroing the old last block past
     * i_size before an extending write is the kernel's part (its page cache may still hold that
     * block dirty, and completions arrive in any order).
     */
    long ioend(long ino, long pos, long written, boolean extendSize) {
        mount.requireWritable();
        if (pos < 0 || written < 0 || pos > Long.MAX_VALUE - written) {
            throw new Ext4Exception(Errno.EINVAL, "bad completed range " + pos + "+" + written + " of inode " + ino);
        }
        int bs = mount.fs.blockSize();
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = liveRegularFile(tx, ino);
            long size = inode.size();
            if (written == 0 && (!extendSize || pos <= size)) {
                tx.abort();
                return size;
            }
            if (written > 0 && !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                BlockMapWriter map = BlockMapWriter.of(tx, ino, mount.writers().allocator(), false);
                if (map.supportsUnwritten()) {
                    long first = pos / bs;
                    long last = (pos + written - 1) / bs;
                    map.convertUnwritten(first, last - first + 1);
                }
                tx.dataWrittenElsewhere();
            }
            if (extendSize && pos + written > size) {
                size = pos + written;
                InodeStore.write(tx, ino, new InodeEditor(InodeStore.read(tx, ino)).size(size).raw());
            }
            tx.commit();
            return size;
        }
    }

    /** Regular file {@code ino} as {@code tx} sees it (EINVAL for anything else: only files have blocks to write). */
    private Inode liveRegularFile(Transaction tx, long ino) {
        Inode inode = inodes.liveInode(tx, ino);
        if (inode.type() != FileType.REGULAR) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a regular file");
        }
        return inode;
    }
}
