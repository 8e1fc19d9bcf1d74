package org.ext4j.core.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.ext4j.core.dir.DirEntry;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.FileContent;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.inline.InlineData;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.xattr.PosixAcl;
import org.ext4j.core.xattr.XattrReader;
import org.ext4j.core.disk.Features;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;

/**
 * The {@link InodeFileSystem} over an {@link Ext4FileSystem}: what backends and the CLI use.
 */
public final class Ext4Volume implements InodeFileSystem {
    /** A cap on the mappings one call returns; callers continue from where the list ends. */
    private static final int MAX_MAPPINGS = 4096;

    private static final String ACL_ACCESS = "system.posix_acl_access";
    private static final String ACL_DEFAULT = "system.posix_acl_default";

    private final Ext4FileSystem fs;
    private final XattrReader xattrs;
    private final AtomicLong nextHandle = new AtomicLong();
    private final ConcurrentHashMap<Long, OpenFile> openFiles = new ConcurrentHashMap<>();

    private Ext4Volume(Ext4FileSystem fs) {
        this.fs = fs;
        this.xattrs = new XattrReader(fs);
    }

    /** Opens the image or block device at {@code path}. */
    public static Ext4Volume open(Path path, OpenOptions options) throws IOException {
        FileBlockDevice device = FileBlockDevice.open(path, options.readOnly());
        try {
            return new Ext4Volume(Ext4FileSystem.open(device, options));
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** Wraps an already opened filesystem. */
    public static Ext4Volume of(Ext4FileSystem fs) {
        return new Ext4Volume(fs);
    }

    /** The underlying filesystem (superblock, groups, raw inodes) for tools like {@code info}. */
    public Ext4FileSystem fileSystem() {
        return fs;
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        Inode dir = liveInode(parent);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + parent + " is not a directory");
        }
        checkName(name);
        Permissions.check(caller, dir.mode(), dir.uid(), dir.gid(), Permissions.X_OK, parent);
        DirEntry entry = DirectoryReader.of(fs, dir).lookup(name).orElseThrow(() -> new Ext4Exception(Errno.ENOENT,
                "no entry " + new String(name, java.nio.charset.StandardCharsets.UTF_8) + " in directory inode " + parent));
        Attributes a = attributes(liveInode(entry.ino()));
        if (entry.fileType() != FileType.UNKNOWN && entry.fileType() != a.type()) {
            throw new CorruptionException("directory inode " + parent + ": entry " + entry.nameString() + " says "
                    + entry.fileType() + " but inode " + entry.ino() + " is " + a.type());
        }
        return a;
    }

    /** A path component: 1 to 255 bytes, no '/' and no NUL. */
    static void checkName(byte[] name) {
        if (name.length == 0) {
            throw new Ext4Exception(Errno.ENOENT, "empty file name");
        }
        if (name.length > DirectoryReader.NAME_MAX) {
            throw new Ext4Exception(Errno.ENAMETOOLONG, "file name of " + name.length + " bytes is longer than 255");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new Ext4Exception(Errno.EINVAL, "file name contains '/' or NUL");
            }
        }
    }

    @Override
    public Attributes getattr(long ino) {
        return attributes(liveInode(ino));
    }

    /** Reads inode {@code ino} and checks that it is in use (a name or handle may point at it). */
    Inode liveInode(long ino) {
        if (ino < 1 || ino > fs.superblock().inodesCount()) {
            throw new Ext4Exception(Errno.ESTALE, "inode " + ino + " does not exist");
        }
        Inode inode = fs.inode(ino);
        if (inode.linksCount() == 0 && ino != InodeFileSystem.ROOT_INO || inode.type() == FileType.UNKNOWN) {
            throw new CorruptionException("inode " + ino + " is referenced but not in use (links "
                    + inode.linksCount() + ", mode 0" + Integer.toOctalString(inode.mode()) + ")");
        }
        CorruptionException.check(inode.size() >= 0, "inode " + ino + ": negative i_size");
        return inode;
    }

    /** The stat view of an inode. */
    Attributes attributes(Inode inode) {
        Superblock sb = fs.superblock();
        long nlink = inode.linksCount();
        if (inode.isDirectory() && nlink == 1 && sb.hasRoCompat(Features.RO_COMPAT_DIR_NLINK)) {
            nlink = 1; // dir_nlink: the count overflowed past 65000 and is no longer maintained
        }
        FileType type = inode.type();
        boolean device = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
        return new Attributes(inode.ino(), type, inode.mode(), nlink, inode.uid(), inode.gid(), inode.size(),
                inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()), fs.blockSize(),
                inode.atime(), inode.mtime(), inode.ctime(), inode.crtime(),
                device ? inode.deviceMajor() : 0, device ? inode.deviceMinor() : 0, inode.generation(), inode.flags());
    }

    @Override
    public byte[] readlink(long ino) {
        Inode inode = liveInode(ino);
        if (inode.type() != FileType.SYMLINK) {
            throw new Ext4Exception(Errno.EINVAL, "inode " + ino + " is not a symbolic link");
        }
        long size = inode.size();
        CorruptionException.check(size > 0 && size < 65536, "symlink inode " + ino + ": target length " + size + " is out of range");
        byte[] target = new byte[(int) size];
        int n = readContent(inode, null, 0, target, 0, target.length);
        CorruptionException.check(n == size, "symlink inode " + ino + ": target shorter than its size");
        return target;
    }

    /** A fast symlink keeps its target in i_block: no blocks are charged to it and it is not inline. */
    private boolean isFastSymlink(Inode inode) {
        if (inode.type() != FileType.SYMLINK || inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            return false;
        }
        long eaBlocks = inode.fileAcl() != 0 ? fs.blockSize() / 512 : 0;
        return inode.blocks512(fs.superblock().hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()) - eaBlocks == 0
                && inode.size() < Inode.I_BLOCK_SIZE;
    }

    /** Reads file bytes, through {@code content} when given (an open handle's cached block map). */
    private int readContent(Inode inode, FileContent content, long pos, byte[] dst, int off, int len) {
        if (isFastSymlink(inode)) {
            byte[] iblock = inode.iBlock();
            if (pos >= inode.size()) {
                return 0;
            }
            int n = (int) Math.min(len, inode.size() - pos);
            System.arraycopy(iblock, (int) pos, dst, off, n);
            return n;
        }
        if (inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
            byte[] data = InlineData.content(fs, inode);
            if (pos >= data.length) {
                return 0;
            }
            int n = (int) Math.min(len, data.length - pos);
            System.arraycopy(data, (int) pos, dst, off, n);
            return n;
        }
        return (content != null ? content : new FileContent(fs, inode)).read(pos, dst, off, len);
    }

    @Override
    public long opendir(Caller caller, long ino) {
        Inode dir = liveInode(ino);
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        Permissions.check(caller, dir.mode(), dir.uid(), dir.gid(), Permissions.R_OK, ino);
        return nextHandle.incrementAndGet();
    }

    /**
     * {@inheritDoc} Cookies are on-disk positions plus one, so a listing resumes right after the
     * last entry returned.
     */
    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative directory offset " + offset);
        }
        Inode dir = liveInode(ino);
        List<DirectoryEntry> out = new ArrayList<>();
        if (maxEntries <= 0) {
            return out;
        }
        DirectoryReader.of(fs, dir).readdir(offset, e -> {
            out.add(new DirectoryEntry(e.ino(), e.name(), e.fileType(), e.offset() + 1));
            return out.size() < maxEntries;
        });
        return out;
    }

    @Override
    public void releasedir(long ino, long handle) {
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        Inode inode = liveInode(ino);
        if (inode.isDirectory()) {
            throw new Ext4Exception(Errno.EISDIR, "inode " + ino + " is a directory");
        }
        int access = flags & O_ACCMODE;
        if (access != O_RDONLY && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        int mask = access == O_RDONLY ? Permissions.R_OK : access == O_WRONLY ? Permissions.W_OK : Permissions.R_OK | Permissions.W_OK;
        Permissions.check(caller, inode.mode(), inode.uid(), inode.gid(), mask, ino);
        FileContent content = inode.type() == FileType.REGULAR && !inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)
                ? new FileContent(fs, inode) : null;
        long handle = nextHandle.incrementAndGet();
        openFiles.put(handle, new OpenFile(inode, content));
        return handle;
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        OpenFile file = openFiles.get(handle);
        if (file == null || file.inode().ino() != ino) {
            throw new Ext4Exception(Errno.EBADF, "no open file " + handle + " for inode " + ino);
        }
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative read offset " + offset);
        }
        return readContent(file.inode(), file.content(), offset, dst, dstOff, len);
    }

    @Override
    public void release(long ino, long handle) {
        openFiles.remove(handle);
    }

    /** An open file: the inode as opened and, for block-mapped files, its reader with a warm block-map cache. */
    private record OpenFile(Inode inode, FileContent content) {
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        Inode inode = liveInode(ino);
        if ((mask & Permissions.W_OK) != 0 && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "the filesystem is read-only (" + fs.readOnlyReason() + ")");
        }
        Permissions.check(caller, inode.mode(), inode.uid(), inode.gid(), mask, ino);
    }

    @Override
    public StatFs statfs() {
        Superblock sb = fs.superblock();
        long free = sb.freeBlocksCount();
        long reserved = sb.reservedBlocksCount();
        return new StatFs(fs.blockSize(), sb.blocksCount() - overhead(), free, Math.max(0, free - reserved),
                sb.inodesCount(), sb.freeInodesCount(), 255, sb.uuid());
    }

    /**
     * Blocks taken by filesystem metadata (superblock and descriptor copies, bitmaps, inode
     * tables, the journal), which statfs leaves out of the total as the kernel does. Computed
     * from the geometry alone, so it costs no reads.
     */
    private long overhead() {
        Superblock sb = fs.superblock();
        long stored = LittleEndian.u32(sb.raw(), 0x248);
        if (stored != 0) {
            return stored;
        }
        long groups = sb.groupCount();
        long gdtBlocks = (groups + sb.descsPerBlock() - 1) / sb.descsPerBlock();
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + fs.blockSize() - 1) / fs.blockSize();
        long total = sb.firstDataBlock();
        boolean metaBg = sb.hasIncompat(Features.INCOMPAT_META_BG);
        for (long g = 0; g < groups; g++) {
            if (sb.groupHasSuper(g)) {
                total += 1 + (metaBg ? 0 : gdtBlocks + sb.reservedGdtBlocks());
            }
            if (metaBg) {
                long inMeta = g % sb.descsPerBlock();
                if (inMeta == 0 || inMeta == 1 || inMeta == sb.descsPerBlock() - 1) {
                    total += 1;
                }
            }
            total += 2 + itableBlocks;
        }
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.journalInum() != 0) {
            Inode journal = fs.inode(sb.journalInum());
            total += journal.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), fs.blockSize()) / (fs.blockSize() / 512);
        }
        return Math.min(total, sb.blocksCount());
    }

    /**
     * {@inheritDoc} POSIX ACLs come back in the VFS xattr form (version 2) that getxattr(2)
     * returns, not ext4's compact on-disk form.
     */
    @Override
    public byte[] getxattr(long ino, String name) {
        Inode inode = liveInode(ino);
        byte[] value = xattrs.get(inode, name).orElseThrow(
                () -> new Ext4Exception(Errno.ENODATA, "inode " + ino + " has no extended attribute " + name));
        if (name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT)) {
            return PosixAcl.fromDisk(value).toXattr();
        }
        return value;
    }

    @Override
    public List<String> listxattr(long ino) {
        return xattrs.names(liveInode(ino));
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        if (offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw new Ext4Exception(Errno.EINVAL, "bad range " + offset + "+" + length);
        }
        Inode inode = liveInode(ino);
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
        long bs = fs.blockSize();
        BlockMap map = BlockMap.of(fs, inode);
        long lblk = offset / bs;
        long endBlock = (offset + length - 1) / bs + 1;
        while (lblk < endBlock && out.size() < MAX_MAPPINGS) {
            Mapping m = map.map(lblk, endBlock - lblk);
            CorruptionException.check(m.lblk() == lblk && m.length() > 0, "inode " + ino + ": block map made no progress at " + lblk);
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

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public String readOnlyReason() {
        return fs.readOnlyReason();
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
