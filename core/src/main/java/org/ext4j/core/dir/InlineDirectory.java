package org.ext4j.core.dir;

import static org.ext4j.core.dir.DirectoryChange.DOT;
import static org.ext4j.core.dir.DirectoryChange.DOTDOT;
import static org.ext4j.core.dir.DirectoryChange.putSize;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.ExtentTree;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.InodeXattrEditor;

/**
 * Inline directories as the kernel's inline.c keeps them: a new directory's body in i_block and
 * system.data, entries added there while they fit, and the move to a block of its own when they
 * no longer do.
 */
final class InlineDirectory {
    private InlineDirectory() {
    }

    static boolean initializeInline(Transaction tx, Inode inode, long parentIno) {
        DiskView fs = tx.fileSystem();
        if (inode.extraIsize() == 0) {
            return false;
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, inode);
        if (!body.hasSpace() || !body.put(InlineData.SYSTEM_DATA, new byte[0])) {
            return false;
        }
        byte[] raw = inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        LittleEndian.put32(raw, Inode.I_BLOCK, parentIno);
        int first = Inode.I_BLOCK + DirectoryReader.INLINE_DOTDOT_SIZE;
        DirentBlock.setRecLen(raw, first, InlineData.MIN_INLINE_DATA_SIZE - DirectoryReader.INLINE_DOTDOT_SIZE, fs.blockSize());
        int flags = (inode.flags() & ~InodeFlags.EXT4_EXTENTS_FL) | InodeFlags.EXT4_INLINE_DATA_FL;
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        putSize(raw, InlineData.MIN_INLINE_DATA_SIZE);
        InodeStore.write(tx, inode.ino(), raw);
        return true;
    }

    /**
     * Adds an entry to an inline directory (ext4_try_add_inline_entry): into i_block, else into
     * the system.data part, which is first grown to all the room the inode body has when it is
     * empty.
     *
     * @return false, changing nothing, when the entry does not fit inline
     */
    static boolean addInline(DirectoryChange d, byte[] name, long ino, int fileType) {
        byte[] content = InlineData.content(d.fs, d.inode);
        int ib = InlineData.MIN_INLINE_DATA_SIZE;
        // The kernel checks the two parts separately: no dirent may straddle the end of i_block.
        String where = "inline directory inode " + d.ino;
        DirentBlock.walk(content, DirectoryReader.INLINE_DOTDOT_SIZE, ib, 0, d.rules, where, (i, b, o, n, t, p) -> true);
        DirentBlock.walk(content, ib, content.length, 0, d.rules, where, (i, b, o, n, t, p) -> true);
        int off = DirentBlock.findRoom(content, DirectoryReader.INLINE_DOTDOT_SIZE, ib, name.length, d.bs);
        if (off < 0 && content.length == ib) {
            InodeXattrEditor body = InodeXattrEditor.of(d.fs, d.inode);
            int room = body.maxValueSize(InlineData.SYSTEM_DATA) & ~3;
            if (room > DirentBlock.recLen(1)) {
                content = Arrays.copyOf(content, ib + room);
                DirentBlock.setRecLen(content, ib, room, d.bs);
            }
        }
        if (off < 0 && content.length > ib) {
            off = DirentBlock.findRoom(content, ib, content.length, name.length, d.bs);
        }
        if (off < 0) {
            return false;
        }
        DirentBlock.insert(content, off, ino, name, fileType, d.bs);
        d.storeInline(content);
        return true;
    }

    /**
     * Moves an inline directory into a block (ext4_convert_inline_dir): "." and ".." (12 bytes
     * each) are written first, the inline dirents follow unchanged, the last one reaches the end
     * of the block; system.data is removed and i_size becomes one block.
     */
    static void convertInline(DirectoryChange d) {
        DiskView fs = d.fs;
        byte[] content = InlineData.content(fs, d.inode);
        int bs = d.bs;
        int moved = content.length - DirectoryReader.INLINE_DOTDOT_SIZE;
        int start = 2 * DirentBlock.recLen(1);
        if (start + moved > d.leafEnd()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inline directory inode " + d.ino + ": its " + content.length
                    + " bytes do not fit one block");
        }
        InodeXattrEditor body = InodeXattrEditor.of(fs, d.inode);
        body.remove(InlineData.SYSTEM_DATA);
        byte[] raw = d.inode.raw();
        body.encodeInto(raw);
        Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        int flags = d.inode.flags() & ~InodeFlags.EXT4_INLINE_DATA_FL;
        if (fs.superblock().hasIncompat(Features.INCOMPAT_EXTENTS)) {
            flags |= InodeFlags.EXT4_EXTENTS_FL;
            ExtentTree.putEmptyRoot(raw, Inode.I_BLOCK);
        }
        LittleEndian.put32(raw, Inode.I_FLAGS, flags & 0xFFFFFFFFL);
        putSize(raw, 0);
        InodeStore.write(d.tx, d.ino, raw);
        d.refresh();
        DirectoryChange.NewBlock first = d.append();
        int dirType = d.typeByte(FileType.DIRECTORY);
        DirentBlock.put(first.data, 0, d.ino, DirentBlock.recLen(1), DOT, dirType, bs);
        DirentBlock.put(first.data, DirentBlock.recLen(1), LittleEndian.u32(content, 0), DirentBlock.recLen(2), DOTDOT,
                dirType, bs);
        System.arraycopy(content, DirectoryReader.INLINE_DOTDOT_SIZE, first.data, start, moved);
        int last = start;
        int end = start + moved;
        // Each step advances by a rec_len the reader validated, so this ends within moved / 12 steps.
        while (last + DirentBlock.recLenAt(first.data, last, bs) < end) {
            last += DirentBlock.recLenAt(first.data, last, bs);
        }
        DirentBlock.setRecLen(first.data, last, d.leafEnd() - last, bs);
        d.finishNewLeaf(first);
    }
}
