package org.ext4j.core.inline;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.ExtentTree;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.InodeXattrEditor;

/**
 * Writes the content of regular files kept inline (inline_data): the first 60 bytes in
 * {@code i_block}, the rest in the in-inode xattr {@code system.data}, which grows to exactly the
 * content written past byte 60, as the kernel sizes it. When content would not fit, the file is
 * converted to a block-mapped one ({@link #convertToBlocks}). Inline directories are the directory
 * writer's. All changes go through the transaction; timestamps are the caller's.
 */
public final class InlineDataWriter {
    /** Allocates logical block 0 of a file that was just converted from inline data and writes its content. */
    @FunctionalInterface
    public interface FirstBlockWriter {
        /**
         * Maps logical block 0 of inode {@code ino} (whose i_block now holds an empty extent tree,
         * or zeros without the extents feature), updating the mapping and i_blocks, and writes
         * {@code block} (one filesystem block) to it, e.g. with the extent writer:
         * {@code tx.writeData(BlockMapWriter.of(tx, ino).allocate(0, 1, false).get(0).pblk(), block, 0, block.length)}.
         */
        void writeFirstBlock(Transaction tx, long ino, byte[] block);
    }

    /**
     * How many bytes of content inode {@code inode} could hold inline: 60 plus the largest
     * system.data value its body has room for (ext4_get_max_inline_size); 0 when the inode has no
     * in-inode xattr space (128-byte inodes or i_extra_isize 0, for which the kernel never inlines).
     */
    public static int maxInlineSize(DiskView fs, Inode inode) {
        if (inode.extraIsize() == 0) {
            return 0;
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        if (!body.hasSpace()) {
            return 0;
        }
        return InlineData.MIN_INLINE_DATA_SIZE + body.maxValueSize(InlineData.SYSTEM_DATA);
    }

    /**
     * Makes inode {@code ino}, a new empty regular file, an inline one: EXT4_INLINE_DATA_FL set,
     * EXT4_EXTENTS_FL cleared, i_block zeroed, i_size 0 and an empty {@code system.data} entry,
     * as the kernel's ext4_create_inline_data leaves it.
     *
     * @return false, changing nothing, when the inode cannot hold inline data (no in-inode space
     *         or no room for the entry); the caller then keeps it block-mapped
     * @throws Ext4Exception EOPNOTSUPP without the inline_data feature, EINVAL when the inode is
     *                       not an empty regular file
     */
    public boolean create(Transaction tx, long ino) {
        DiskView fs = tx.fileSystem();
        if (!fs.superblock().hasIncompat(Features.INCOMPAT_INLINE_DATA)) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "the filesystem has no inline_data feature");
        }
        Inode inode = InodeStore.read(tx, ino);
        if (inode.type() != FileType.REGULAR || inode.size() != 0 || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)
                || !mapsNothing(inode)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not an empty block-mapped regular file");
        }
        if (maxInlineSize(fs, inode) == 0) {
            return false;
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        if (!body.put(InlineData.SYSTEM_DATA, new byte[0])) {
            return false;
        }
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        int flags = (inode.flags() & ~InodeFlags.EXT4_EXTENTS_FL) | InodeFlags.EXT4_INLINE_DATA_FL;
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        InodeStore.write(tx, ino, raw);
        return true;
    }

    /**
     * Writes {@code len} bytes of {@code src} at byte {@code pos} of inline file {@code ino},
     * raising i_size to {@code pos + len} when that is beyond it (a gap reads as zeros).
     *
     * @return false, changing nothing, when {@code pos + len} exceeds {@link #maxInlineSize}: the
     *         caller converts the file ({@link #convertToBlocks}) and writes through its block map
     * @throws Ext4Exception EINVAL when the inode is not a regular file with inline data
     */
    public boolean writeInline(Transaction tx, long ino, long pos, byte[] src, int off, int len) {
        if (pos < 0 || off < 0 || len < 0 || off > src.length - len) {
            throw new IllegalArgumentException("bad range: pos " + pos + ", off " + off + ", len " + len);
        }
        DiskView fs = tx.fileSystem();
        Inode inode = requireInlineFile(tx, ino);
        long end = pos + len;
        if (end > maxInlineSize(fs, inode)) {
            return false;
        }
        if (len == 0) {
            return true;
        }
        byte[] all = allInline(fs, inode);
        int newLength = (int) Math.max(all.length, end);
        byte[] content = Arrays.copyOf(all, newLength);
        // Bytes past i_size are not content: a write leaving a gap must show zeros there.
        long size = inode.size();
        if (size < newLength) {
            Arrays.fill(content, (int) Math.max(0, size), newLength, (byte) 0);
        }
        System.arraycopy(src, off, content, (int) pos, len);
        store(tx, inode, content, Math.max(size, end));
        return true;
    }

    /**
     * Truncates inline file {@code ino} to {@code newSize} when that does not grow it, as the
     * kernel's ext4_inline_data_truncate: the content past the new size is zeroed and system.data
     * shrinks to what lies beyond byte 60.
     *
     * @return false, changing nothing, when {@code newSize} is larger than i_size: the kernel
     *         converts an inline file that grows by truncate, so the caller calls
     *         {@link #convertToBlocks} and then extends the block-mapped file
     */
    public boolean truncate(Transaction tx, long ino, long newSize) {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        DiskView fs = tx.fileSystem();
        Inode inode = requireInlineFile(tx, ino);
        if (newSize > inode.size()) {
            return false;
        }
        byte[] all = allInline(fs, inode);
        int keep = (int) Math.min(newSize, all.length);
        byte[] content = Arrays.copyOf(Arrays.copyOf(all, keep), Math.max(keep, InlineData.MIN_INLINE_DATA_SIZE));
        store(tx, inode, content, newSize);
        return true;
    }

    /**
     * Moves the content of inline file {@code ino} out of the inode, as the kernel does before a
     * write that no longer fits: system.data is removed, i_block zeroed, EXT4_INLINE_DATA_FL
     * cleared and, with the extents feature, EXT4_EXTENTS_FL set over an empty extent tree. The
     * inode is written, then (when i_size is not 0) {@code firstBlock} maps logical block 0 and
     * writes the former content, zero-padded to a block. i_size is unchanged.
     */
    public void convertToBlocks(Transaction tx, long ino, FirstBlockWriter firstBlock) {
        DiskView fs = tx.fileSystem();
        Inode inode = requireInlineFile(tx, ino);
        byte[] content = InlineData.content(fs, inode);
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        body.remove(InlineData.SYSTEM_DATA);
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        int flags = inode.flags() & ~InodeFlags.EXT4_INLINE_DATA_FL;
        if (fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS)) {
            flags |= InodeFlags.EXT4_EXTENTS_FL;
            ExtentTree.putEmptyRoot(raw, Inode.I_BLOCK);
        }
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        InodeStore.write(tx, ino, raw);
        if (inode.size() > 0 && content.length > 0) {
            firstBlock.writeFirstBlock(tx, ino, Arrays.copyOf(content, fs.blockSize()));
        }
    }

    /**
     * Writes {@code content} (at least 60 bytes: i_block, then system.data) and {@code size} into
     * the inode. The caller has checked that the value fits.
     */
    private static void store(Transaction tx, Inode inode, byte[] content, long size) {
        DiskView fs = tx.fileSystem();
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        byte[] rest = Arrays.copyOfRange(content, InlineData.MIN_INLINE_DATA_SIZE, Math.max(content.length, InlineData.MIN_INLINE_DATA_SIZE));
        if (!body.put(InlineData.SYSTEM_DATA, rest)) {
            throw new IllegalStateException("inline data of inode " + inode.ino() + ": " + rest.length + " bytes do not fit system.data");
        }
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        System.arraycopy(content, 0, raw, Inode.I_BLOCK, InlineData.MIN_INLINE_DATA_SIZE);
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size & 0xFFFFFFFFL);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
        InodeStore.write(tx, inode.ino(), raw);
    }

    /** i_block and the whole system.data value, whatever i_size says. */
    private static byte[] allInline(DiskView fs, Inode inode) {
        byte[] rest = InodeXattrEditor.of(fs, inode).value(InlineData.SYSTEM_DATA).orElseThrow(() -> new CorruptionException(CorruptionException.Structure.INLINE_DATA, inode.ino(), CorruptionException.NO_BLOCK, "inline data of inode " + inode.ino() + ": the inode has no system.data xattr in its body"));
        byte[] all = Arrays.copyOf(inode.iBlock(), InlineData.MIN_INLINE_DATA_SIZE + rest.length);
        System.arraycopy(rest, 0, all, InlineData.MIN_INLINE_DATA_SIZE, rest.length);
        return all;
    }

    private static Inode requireInlineFile(Transaction tx, long ino) {
        Inode inode = InodeStore.read(tx, ino);
        if (inode.type() != FileType.REGULAR || !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a regular file with inline data");
        }
        if (!(inode.size() >= 0)) {
            throw new CorruptionException(CorruptionException.Structure.INLINE_DATA, inode.ino(), CorruptionException.NO_BLOCK,
                    "inline data of inode " + inode.ino() + ": negative i_size");
        }
        return inode;
    }

    /** True when i_block maps no block: an extent root without entries, or all zeros. */
    private static boolean mapsNothing(Inode inode) {
        byte[] b = inode.iBlock();
        if (inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
            return ExtentTree.isEmptyRoot(b);
        }
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
