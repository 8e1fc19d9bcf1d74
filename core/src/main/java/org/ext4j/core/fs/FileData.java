package org.ext4j.core.fs;

import static org.ext4j.core.spi.InodeFileSystem.FMODE_EXEC;
import static org.ext4j.core.spi.InodeFileSystem.O_ACCMODE;
import static org.ext4j.core.spi.InodeFileSystem.O_RDONLY;
import static org.ext4j.core.spi.InodeFileSystem.O_WRONLY;

import java.util.Arrays;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.extent.FileContent;
import org.ext4j.core.extent.FileContentWriter;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.inline.InlineDataWriter;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;

/**
 * File contents through the POSIX calls: read, readlink, write, truncate and fallocate, with
 * what the kernel changes beside them (access and write times, setuid/setgid and file
 * capabilities dropped by a modification). Inline files stay inline while they fit and move to
 * blocks when they stop fitting.
 */
final class FileData {
    /** open(2)'s O_NOATIME (Linux value): reads through this handle leave the access time alone. */
    private static final int O_NOATIME = 01000000;

    private final MountState mount;
    private final LiveInodes inodes;
    private final OpenFiles openFiles;
    private final AccessTimes accessTimes;
    private final XattrOperations xattrOps;

    FileData(MountState mount, LiveInodes inodes, OpenFiles openFiles, AccessTimes accessTimes, XattrOperations xattrOps) {
        this.mount = mount;
        this.inodes = inodes;
        this.openFiles = openFiles;
        this.accessTimes = accessTimes;
        this.xattrOps = xattrOps;
    }

    /**
     * Opens regular file, symlink or special file {@code ino} with open(2) flags: the kernel's
     * may_open checks, then O_TRUNC; the inode stays alive until the handle is released.
     */
    long open(Caller caller, long ino, int flags) {
        Inode inode = inodes.liveInode(ino);
        if (inode.isDirectory()) {
            throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
        }
        int access = flags & O_ACCMODE;
        if (access != O_RDONLY && mount.fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + mount.fs.readOnlyReason() + ")");
        }
        int mask = access == O_RDONLY ? Permissions.R_OK : access == O_WRONLY ? Permissions.W_OK : Permissions.R_OK | Permissions.W_OK;
        if (access == O_RDONLY && (flags & FMODE_EXEC) != 0) {
            // execve opens with MAY_EXEC alone: a program may run where it may not be read (mode 0711).
            mask = Permissions.X_OK;
        }
        // inode_permission refuses a write to an immutable inode before it looks at the mode;
        // may_open checks append-only only after the mode allowed the open.
        if (access != O_RDONLY && inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
        }
        Permissions.check(caller, inode, mount.xattrs, mask);
        if (access != O_RDONLY && inode.hasFlag(InodeFlags.EXT4_APPEND_FL) && (flags & WritableFileSystem.O_APPEND) == 0) {
            throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is append-only");
        }
        if ((flags & WritableFileSystem.O_TRUNC) != 0 && access != O_RDONLY && inode.type() == FileType.REGULAR
                && inode.size() > 0) {
            truncate(caller, ino, 0);
        }
        return openFiles.register(ino, flags);
    }

    /** The target of symlink {@code ino}, from i_block, inline data or its block. */
    byte[] readlink(long ino) {
        Inode inode = inodes.liveInode(ino);
        if (inode.type() != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a symbolic link");
        }
        long size = inode.size();
        if (!(size > 0 && size < 65536)) {
            throw new CorruptionException(CorruptionException.Structure.SYMLINK, ino, CorruptionException.NO_BLOCK,
                    "symlink inode " + ino + ": target length " + size + " is out of range");
        }
        byte[] target = new byte[(int) size];
        int n = readContent(inode, null, 0, target, 0, target.length);
        if (!(n == size)) {
            throw new CorruptionException(CorruptionException.Structure.SYMLINK, ino, CorruptionException.NO_BLOCK,
                    "symlink inode " + ino + ": target shorter than its size");
        }
        accessTimes.accessed(inode, false);
        return target;
    }

    /** Reads file bytes, through {@code content} when given (an open handle's cached block map). */
    private int readContent(Inode inode, FileContent content, long pos, byte[] dst, int off, int len) {
        if (inodes.isFastSymlink(inode)) {
            byte[] iblock = inode.iBlock();
            if (pos >= inode.size()) {
                return 0;
            }
            int n = (int) Math.min(len, inode.size() - pos);
            System.arraycopy(iblock, (int) pos, dst, off, n);
            return n;
        }
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            byte[] data = InlineData.content(mount.fs, inode);
            if (pos >= inode.size()) {
                return 0;
            }
            int n = (int) Math.min(len, inode.size() - pos);
            // Past the inline bytes (an i_size larger than the inode holds) the kernel reads zeros.
            int fromInline = (int) Math.max(0, Math.min(n, data.length - pos));
            if (fromInline > 0) {
                System.arraycopy(data, (int) pos, dst, off, fromInline);
            }
            Arrays.fill(dst, off + fromInline, off + n, (byte) 0);
            return n;
        }
        return (content != null ? content : new FileContent(mount.fs, inode)).read(pos, dst, off, len);
    }

    /** Reads through an open handle; a read that asks for bytes counts as an access. */
    int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        OpenFiles.OpenFile file = openFiles.get(ino, handle);
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative read offset " + offset);
        }
        // The current inode, not the one at open: writes through other handles must show.
        Inode inode = mount.fs.inode(ino);
        int n = readContent(inode, null, offset, dst, dstOff, len);
        if (len > 0) {
            // As filemap_read: a read that asked for bytes counts as an access, also at end of file.
            accessTimes.accessed(inode, (file.flags() & O_NOATIME) != 0);
        }
        return n;
    }

    /**
     * Writes through an open handle. Inline files stay inline while they fit and move to blocks
     * when they stop fitting; a write by a caller without CAP_FSETID (not root) clears setuid, and
     * setgid when group-execute is set, as the kernel's file_remove_privs does.
     */
    int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        mount.requireWritable();
        OpenFiles.OpenFile file = openFiles.get(ino, handle);
        if (!file.writable()) {
            throw new Ext4Exception(Errno.EBADF, "handle " + handle + " is not open for writing");
        }
        if (offset < 0 || len < 0) {
            throw new Ext4Exception(Errno.EINVAL, "bad write range " + offset + "+" + len);
        }
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable");
            }
            long pos = file.append() || inode.hasFlag(InodeFlags.EXT4_APPEND_FL) ? inode.size() : offset;
            if (len == 0) {
                return 0;
            }
            writeContent(tx, inode, pos, src, srcOff, len);
            Inode written = InodeStore.read(tx, ino);
            Timestamp now = mount.now();
            int mode = SetattrRules.withoutPrivileges(caller, written.mode(), written.gid());
            if (mode != written.mode() || !mount.writeTimes.stillCurrent(ino, written, now)) {
                InodeStore.write(tx, ino, new InodeEditor(written).mtime(now).ctime(now).mode(mode).raw());
                mount.writeTimes.stamped(ino, now);
            }
            if (written.type() == FileType.REGULAR) {
                xattrOps.killPriv(tx, ino);
            }
            tx.commit();
            mount.told(mode != written.mode(), ino);
            return len;
        }
    }

    /** Writes file bytes: inline while they fit, else through the block map (converting an inline file first). */
    private void writeContent(Transaction tx, Inode inode, long pos, byte[] src, int srcOff, int len) {
        long ino = inode.ino();
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            InlineDataWriter inline = new InlineDataWriter();
            if (inline.writeInline(tx, ino, pos, src, srcOff, len)) {
                return;
            }
            moveToBlocks(inline, tx, ino);
        }
        mount.writers().files().write(tx, ino, pos, src, srcOff, len);
    }

    /** Moves inline file {@code ino}'s bytes (up to i_size) into a block of its own. */
    private void moveToBlocks(InlineDataWriter inline, Transaction tx, long ino) {
        inline.convertToBlocks(tx, ino, (t, i, block) -> mount.writers().files().write(t, i, 0, block, 0,
                (int) Math.min(block.length, InodeStore.read(t, i).size())));
    }

    /** Sets the size of regular file {@code ino} (a permission check is the caller's), with mtime/ctime now. */
    void truncate(Caller caller, long ino, long size) {
        if (size < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative size " + size);
        }
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            if (size > FileContentWriter.maxFileSize(mount.fs.superblock(), inode.hasFlag(InodeFlags.EXT4_EXTENTS_FL))) {
                throw new Ext4Exception(Errno.EFBIG, "size " + size + " exceeds the largest file this filesystem holds");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                InlineDataWriter inline = new InlineDataWriter();
                if (!inline.truncate(tx, ino, size)) {
                    moveToBlocks(inline, tx, ino);
                    mount.writers().files().truncate(tx, ino, size);
                }
            } else {
                mount.writers().files().truncate(tx, ino, size);
            }
            Inode after = InodeStore.read(tx, ino);
            InodeEditor e = new InodeEditor(after);
            Timestamp now = mount.now();
            // truncate(2) moves mtime and ctime even to the same size (checked against kernel 6.18).
            e.mtime(now).ctime(now);
            int mode = SetattrRules.withoutPrivileges(caller, after.mode(), after.gid());
            if (mode != after.mode()) {
                e.mode(mode).ctime(now);
            }
            InodeStore.write(tx, ino, e.raw());
            xattrOps.killPriv(tx, ino);
            tx.commit();
            mount.told(mode != after.mode(), ino);
        }
    }

    /**
     * Preallocates, punches, zeroes or shifts a range. Default and KEEP_SIZE preallocate unwritten
     * extents; PUNCH_HOLE (with KEEP_SIZE) frees blocks; ZERO_RANGE zeroes; COLLAPSE_RANGE removes
     * a block-aligned range and INSERT_RANGE opens a hole, moving what follows. The checks run in
     * the kernel's order: vfs_fallocate's (range, mode combination, write access, append-only and
     * immutable, file type, s_maxbytes) refuse with nothing changed; after them, as in
     * ext4_fallocate, an inline file moves to blocks and the call counts as a modification
     * (setuid/setgid dropped for a caller without CAP_FSETID, mtime and ctime set) which stays even
     * when the mode's own checks (extent-mapped file, alignment, i_size) then refuse it, as kernel
     * 6.18 does.
     */
    void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        mount.requireWritable();
        OpenFiles.OpenFile file = openFiles.get(ino, handle);
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new Ext4Exception(Errno.EINVAL, "bad fallocate range " + offset + "+" + length);
        }
        boolean keepSize = (mode & WritableFileSystem.FALLOC_FL_KEEP_SIZE) != 0;
        int op = mode & ~WritableFileSystem.FALLOC_FL_KEEP_SIZE;
        switch (op) {
            case 0, WritableFileSystem.FALLOC_FL_ZERO_RANGE -> { }
            case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> {
                if (!keepSize) {
                    throw new Ext4Exception(Errno.EOPNOTSUPP, "PUNCH_HOLE needs KEEP_SIZE");
                }
            }
            case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE, WritableFileSystem.FALLOC_FL_INSERT_RANGE -> {
                if (keepSize) {
                    throw new Ext4Exception(Errno.EOPNOTSUPP, "COLLAPSE_RANGE and INSERT_RANGE take no KEEP_SIZE");
                }
            }
            default -> throw new Ext4Exception(Errno.EOPNOTSUPP, "unsupported fallocate mode 0x" + Integer.toHexString(mode));
        }
        if (!file.writable()) {
            throw new Ext4Exception(Errno.EBADF, "handle " + handle + " is not open for writing");
        }
        try (Transaction tx = mount.transactions().begin()) {
            Inode inode = InodeStore.read(tx, ino);
            if (inode.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL) || op != 0 && inode.hasFlag(InodeFlags.EXT4_APPEND_FL)) {
                throw new Ext4Exception(Errno.EPERM, "inode " + ino + " is immutable or append-only");
            }
            switch (inode.type()) {
                case REGULAR -> { }
                case FIFO -> throw new Ext4Exception(Errno.ESPIPE, "inode " + ino + " is a fifo");
                case DIRECTORY -> throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
                default -> throw new Ext4Exception(Errno.ENODEV, "inode " + ino + " is a " + inode.type());
            }
            long end = offset + length;
            Superblock sb = mount.fs.superblock();
            if (end > FileContentWriter.maxFileSize(sb, sb.hasIncompat(Features.INCOMPAT_EXTENTS))) {
                throw new Ext4Exception(Errno.EFBIG, "range ends past the largest file this filesystem holds");
            }
            if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                moveToBlocks(new InlineDataWriter(), tx, ino);
            }
            Inode modified = InodeStore.read(tx, ino);
            Timestamp now = mount.now();
            int kept = SetattrRules.withoutPrivileges(caller, modified.mode(), modified.gid());
            InodeStore.write(tx, ino, new InodeEditor(modified).mtime(now).ctime(now).mode(kept).raw());
            boolean dropped = kept != modified.mode();
            try {
                switch (op) {
                    case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE -> FileContentWriter.checkCollapseRange(sb, modified, offset, length);
                    case WritableFileSystem.FALLOC_FL_INSERT_RANGE -> FileContentWriter.checkInsertRange(sb, modified, offset, length);
                    case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> { }
                    default -> {
                        if (!modified.hasFlag(InodeFlags.EXT4_EXTENTS_FL)) {
                            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " has an indirect block map");
                        }
                    }
                }
            } catch (Ext4Exception refused) {
                // The kernel refuses these after file_modified and the inline conversion, which stay.
                tx.commit();
                mount.told(dropped, ino);
                throw refused;
            }
            int bs = mount.fs.blockSize();
            switch (op) {
                case 0 -> {
                    long first = offset / bs;
                    long last = (end + bs - 1) / bs;
                    // i_size becomes the end of the range, not of its last block.
                    mount.writers().files().preallocate(tx, ino, first, last - first, true);
                    if (!keepSize && end > InodeStore.read(tx, ino).size()) {
                        InodeStore.write(tx, ino, new InodeEditor(InodeStore.read(tx, ino)).size(end).raw());
                    }
                }
                case WritableFileSystem.FALLOC_FL_PUNCH_HOLE -> mount.writers().files().punchHole(tx, ino, offset, length);
                case WritableFileSystem.FALLOC_FL_ZERO_RANGE -> mount.writers().files().zeroRange(tx, ino, offset, length, keepSize);
                case WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE -> mount.writers().files().collapseRange(tx, ino, offset, length);
                default -> mount.writers().files().insertRange(tx, ino, offset, length);
            }
            tx.commit();
            mount.told(dropped, ino);
        }
    }
}
