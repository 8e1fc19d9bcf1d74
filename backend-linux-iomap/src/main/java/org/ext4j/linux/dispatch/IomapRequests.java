package org.ext4j.linux.dispatch;

import java.io.IOException;
import java.io.PrintStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.IomapFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.linux.protocol.AttrOut;
import org.ext4j.linux.protocol.CreateOut;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.FuseAttr;
import org.ext4j.linux.protocol.FuseDecodeException;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.Iomap;
import org.ext4j.linux.protocol.IomapBeginIn;
import org.ext4j.linux.protocol.IomapBeginOut;
import org.ext4j.linux.protocol.IomapConfigIn;
import org.ext4j.linux.protocol.IomapConfigOut;
import org.ext4j.linux.protocol.IomapEndIn;
import org.ext4j.linux.protocol.IomapIo;
import org.ext4j.linux.protocol.IomapIoendIn;
import org.ext4j.linux.protocol.IomapIoendOut;
import org.ext4j.linux.protocol.Opcode;
import org.ext4j.linux.protocol.OutStruct;
import org.ext4j.linux.protocol.Request;

/**
 * The iomap half of the protocol: which inodes the kernel does the data I/O for itself
 * (FUSE_ATTR_IOMAP), the mappings it asks for (IOMAP_BEGIN/END), the completions that make
 * written data visible (IOMAP_IOEND), the superblock facts it applies (IOMAP_CONFIG), and the
 * filesystem-wide freeze and shutdown. Inert until INIT granted FUSE_IOMAP and the block device
 * was registered; a failed registration leaves every inode to the in-process READ/WRITE path.
 */
final class IomapRequests {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int EINTR = 4;

    /** The requests that change the filesystem: they wait while it is frozen. */
    private static final Set<Opcode> CHANGES = EnumSet.of(Opcode.SETATTR, Opcode.SYMLINK, Opcode.MKNOD, Opcode.MKDIR,
            Opcode.UNLINK, Opcode.RMDIR, Opcode.RENAME, Opcode.RENAME2, Opcode.LINK, Opcode.CREATE, Opcode.TMPFILE,
            Opcode.WRITE, Opcode.SETXATTR, Opcode.REMOVEXATTR, Opcode.FALLOCATE, Opcode.COPY_FILE_RANGE,
            Opcode.COPY_FILE_RANGE_64, Opcode.IOCTL, Opcode.IOMAP_IOEND);
    /** What still runs after SHUTDOWN_FS: the kernel's bookkeeping, which expects no failure. */
    private static final Set<Opcode> AFTER_SHUTDOWN = EnumSet.of(Opcode.FORGET, Opcode.BATCH_FORGET,
            Opcode.INTERRUPT, Opcode.NOTIFY_REPLY, Opcode.DESTROY, Opcode.INIT);

    private final InodeFileSystem fs;
    /** The filesystem's iomap capability; null when it has none (then iomap is never offered). */
    private final IomapFileSystem mapper;
    private final PrintStream log;
    private final Object freezeLock = new Object();
    private volatile IomapBacking backing;
    private volatile boolean granted;
    /** The registered device's backing id; -1 before registration or after it failed. */
    private int backingId = -1;
    private boolean registrationTried;
    private boolean frozen;
    private volatile boolean shutdown;

    IomapRequests(InodeFileSystem fs, PrintStream log) {
        this.fs = fs;
        this.mapper = fs.iomap().orElse(null);
        this.log = log;
    }

    /** Makes INIT offer FUSE_IOMAP, with {@code device} to register when the kernel accepts. */
    void offer(IomapBacking device) {
        this.backing = device;
    }

    /**
     * True when INIT may ask for FUSE_IOMAP: a device to register, a core that maps for writes,
     * and a kernel whose device says it does iomap file I/O (asked once, here).
     */
    boolean offered() {
        return backing != null && mapper != null && backing.kernelSupportsFileIo();
    }

    /** What INIT agreed. */
    void granted(boolean iomap) {
        this.granted = iomap;
    }

    boolean isGranted() {
        return granted;
    }

    /** The backing id once registered; -1 while iomap is not in use (not granted, or registration failed). */
    synchronized int backingId() {
        if (!granted) {
            return -1;
        }
        if (!registrationTried) {
            registrationTried = true;
            try {
                backingId = backing.register();
            } catch (IOException | RuntimeException e) {
                log.println("ext4j: iomap: the block device cannot be registered (" + e.getMessage()
                        + "); file data is served in process");
                backingId = -1;
            }
        }
        return backingId;
    }

    /** Unregisters the device (at the end of the connection). */
    synchronized void close() {
        if (backing != null && backingId >= 0) {
            backing.close();
            backingId = -1;
        }
    }

    /**
     * Admits a request: after SHUTDOWN_FS everything but the kernel's bookkeeping fails with EIO;
     * while frozen, a request that changes the filesystem waits for UNFREEZE_FS.
     */
    void admit(Opcode op) {
        if (shutdown && !AFTER_SHUTDOWN.contains(op)) {
            throw new Ext4Exception(Errno.EIO, "the filesystem was shut down");
        }
        if (CHANGES.contains(op)) {
            waitWhileFrozen();
        }
    }

    private void waitWhileFrozen() {
        synchronized (freezeLock) {
            while (frozen && !shutdown) {
                try {
                    freezeLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FuseDispatcher.ProtocolError(EINTR);
                }
            }
        }
        if (shutdown) {
            throw new Ext4Exception(Errno.EIO, "the filesystem was shut down");
        }
    }

    /** The iomap series' requests: ENOSYS, before looking at the body, unless INIT agreed on FUSE_IOMAP. */
    OutStruct serve(Request r, InHeader h, long ino, WriteRequests writes) throws FuseDecodeException {
        if (!granted) {
            throw new FuseDispatcher.ProtocolError(Errno.ENOSYS.code());
        }
        switch (r.opcode()) {
            case IOMAP_BEGIN:
                return begin(h, ino, IomapBeginIn.decode(r.body()));
            case IOMAP_END:
                end(ino, IomapEndIn.decode(r.body()));
                return null;
            case IOMAP_IOEND:
                return ioend(ino, IomapIoendIn.decode(r.body()));
            case IOMAP_CONFIG:
                return config(IomapConfigIn.decode(r.body()));
            case FREEZE_FS:
                freeze(writes);
                return null;
            case UNFREEZE_FS:
                unfreeze();
                return null;
            case SHUTDOWN_FS:
                shutdown();
                return null;
            default:
                throw new IllegalArgumentException(r.opcode() + " is not an iomap request");
        }
    }

    /** FREEZE_FS: everything committed reaches the disk, then changes wait until UNFREEZE_FS. */
    void freeze(WriteRequests writes) {
        synchronized (freezeLock) {
            writes.syncfs();
            frozen = true;
        }
    }

    /** UNFREEZE_FS. */
    void unfreeze() {
        synchronized (freezeLock) {
            frozen = false;
            freezeLock.notifyAll();
        }
    }

    /** SHUTDOWN_FS: no request changes anything from now on; every later one fails with EIO. */
    void shutdown() {
        synchronized (freezeLock) {
            shutdown = true;
            freezeLock.notifyAll();
        }
    }

    /**
     * The reply with FUSE_ATTR_IOMAP set on each regular file the kernel may do the I/O for:
     * extent-mapped files without inline data. Inline and indirect-mapped files have no unwritten
     * extents to allocate for a write, so they stay on the in-process path.
     */
    OutStruct mark(OutStruct reply) {
        if (!granted || reply == null) {
            return reply;
        }
        if (reply instanceof EntryOut e) {
            return mark(e);
        }
        if (reply instanceof CreateOut c) {
            return new CreateOut(mark(c.entry()), c.open());
        }
        if (reply instanceof AttrOut a && eligible(a.attr())) {
            return new AttrOut(a.attrValid(), a.attrValidNsec(), a.attr().withFlags(Iomap.ATTR_IOMAP));
        }
        return reply;
    }

    EntryOut mark(EntryOut e) {
        if (!granted || e == null || e.nodeId() == 0 || !eligible(e.attr())) {
            return e;
        }
        return new EntryOut(e.nodeId(), e.generation(), e.entryValid(), e.attrValid(), e.entryValidNsec(),
                e.attrValidNsec(), e.attr().withFlags(Iomap.ATTR_IOMAP));
    }

    private boolean eligible(FuseAttr attr) {
        if ((attr.mode() & S_IFMT) != S_IFREG) {
            return false;
        }
        Attributes a = fs.getattr(attr.ino());
        boolean extents = (a.flags() & InodeFlags.EXT4_EXTENTS_FL) != 0;
        boolean inline = (a.flags() & InodeFlags.EXT4_INLINE_DATA_FL) != 0;
        return extents && !inline && backingId() >= 0;
    }

    /**
     * IOMAP_BEGIN: the mapping at {@code pos}. Reads, reports and zeroing get the block map as it
     * is (zeroing skips holes and unwritten blocks, so nothing is allocated for it); writes get
     * blocks allocated (as unwritten extents) where there were none. Mappings are block-aligned:
     * the kernel reads or zeroes the rest of a partly written block itself.
     */
    IomapBeginOut begin(InHeader h, long ino, IomapBeginIn in) {
        int dev = requireActive(ino, in.attrIno());
        if (in.count() <= 0 || in.pos() < 0 || in.pos() > Long.MAX_VALUE - in.count()) {
            throw new Ext4Exception(Errno.EINVAL, "IOMAP_BEGIN of " + in.pos() + "+" + in.count());
        }
        boolean write = in.has(Iomap.OP_WRITE) && !in.has(Iomap.OP_ZERO) && !in.has(Iomap.OP_REPORT)
                && !in.has(Iomap.OP_UNSHARE);
        if (write) {
            return beginWrite(h, ino, in, dev);
        }
        IomapIo read = io(currentMapping(ino, in.pos(), in.count()), dev);
        return new IomapBeginOut(read, overwrite(read));
    }

    private IomapBeginOut beginWrite(InHeader h, long ino, IomapBeginIn in, int dev) {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "read-only: " + fs.readOnlyReason());
        }
        waitWhileFrozen();
        if (in.has(Iomap.OP_OVERWRITE_ONLY) || in.has(Iomap.OP_NOWAIT)) {
            // Allocating would block or is not allowed: the kernel retries without the flag.
            MappedExtent now = currentMapping(ino, in.pos(), in.count());
            boolean allocates = now.kind() == MappedExtent.Kind.HOLE;
            if (allocates || in.has(Iomap.OP_OVERWRITE_ONLY) && now.kind() != MappedExtent.Kind.MAPPED) {
                throw new FuseDispatcher.ProtocolError(Errno.EAGAIN.code());
            }
        }
        boolean fileWrite = !in.has(Iomap.OP_WRITEBACK);
        MappedExtent m = mapper.mapForWrite(Credentials.of(h), ino, in.pos(), in.count(), fileWrite);
        IomapIo io = io(m, dev);
        return new IomapBeginOut(io, io);
    }

    /** The block-aligned mapping holding byte {@code pos}, at most up to the block holding {@code pos + count - 1}. */
    private MappedExtent currentMapping(long ino, long pos, long count) {
        long bs = mapper.limits().blockSize();
        long start = pos - pos % bs;
        long end = pos + count;
        long alignedEnd = end % bs == 0 ? end : Math.min(Long.MAX_VALUE - bs + 1, end - end % bs + bs);
        List<MappedExtent> maps = fs.mapBlocks(ino, start, alignedEnd - start);
        if (maps.isEmpty()) {
            throw new Ext4Exception(Errno.EIO, "inode " + ino + ": no mapping for " + pos);
        }
        MappedExtent m = maps.get(0);
        if (m.kind() == MappedExtent.Kind.INLINE) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, "inode " + ino + " keeps its data inline");
        }
        return m;
    }

    private static IomapIo io(MappedExtent m, int dev) {
        return switch (m.kind()) {
            case HOLE -> new IomapIo(m.fileOffset(), m.length(), Iomap.NULL_ADDR, Iomap.TYPE_HOLE, 0, 0);
            case MAPPED -> new IomapIo(m.fileOffset(), m.length(), m.deviceOffset(), Iomap.TYPE_MAPPED, 0, dev);
            case UNWRITTEN -> new IomapIo(m.fileOffset(), m.length(), m.deviceOffset(), Iomap.TYPE_UNWRITTEN, 0, dev);
            case INLINE -> throw new IllegalArgumentException("inline data has no device mapping");
        };
    }

    /** The write side of a mapping for an operation that does not write: "use the read mapping". */
    private static IomapIo overwrite(IomapIo read) {
        return new IomapIo(read.offset(), read.length(), Iomap.NULL_ADDR, Iomap.TYPE_PURE_OVERWRITE, 0, 0);
    }

    /** IOMAP_END: sent only for mappings that asked for it, which ext4j's never do; nothing to undo. */
    void end(long ino, IomapEndIn in) {
        requireActive(ino, in.attrIno());
    }

    /**
     * IOMAP_IOEND: a device write completed. Successful bytes become visible (unwritten blocks
     * they cover are marked written, whether or not the kernel flagged the mapping unwritten:
     * converting written blocks changes nothing) and an APPEND completion raises i_size. A failed
     * write changes nothing: its blocks stay unwritten and read as zeros.
     */
    IomapIoendOut ioend(long ino, IomapIoendIn in) {
        requireActive(ino, in.attrIno());
        if (in.error() != 0 || in.written() <= 0) {
            if (in.error() != 0) {
                log.println("ext4j: iomap: the kernel's write of " + in.written() + " bytes at " + in.pos()
                        + " of inode " + ino + " failed with errno " + -in.error());
            }
            return new IomapIoendOut(fs.getattr(ino).size());
        }
        return new IomapIoendOut(mapper.ioend(ino, in.pos(), in.written(), in.has(Iomap.IOEND_APPEND)));
    }

    /** IOMAP_CONFIG: the superblock facts the kernel applies itself. */
    IomapConfigOut config(IomapConfigIn in) {
        if (!granted) {
            throw new FuseDispatcher.ProtocolError(Errno.ENOSYS.code());
        }
        IomapFileSystem.Limits l = mapper.limits();
        long flags = Iomap.CONFIG_UUID | Iomap.CONFIG_BLOCKSIZE | Iomap.CONFIG_MAX_LINKS | Iomap.CONFIG_TIME
                | Iomap.CONFIG_MAXBYTES;
        return new IomapConfigOut(flags, new byte[0], l.uuid(), l.blockSize(), l.maxLinks(), l.timeGranularityNanos(),
                l.timeMin(), l.timeMax(), l.maxBytes(), 0);
    }

    /** The backing id for a mapping request on {@code ino}, whose fuse_attr.ino the kernel repeats. */
    private int requireActive(long ino, long attrIno) {
        if (!granted) {
            throw new FuseDispatcher.ProtocolError(Errno.ENOSYS.code());
        }
        if (attrIno != ino) {
            throw new Ext4Exception(Errno.EINVAL, "attr_ino " + attrIno + " is not the node's inode " + ino);
        }
        int dev = backingId();
        if (dev < 0) {
            throw new Ext4Exception(Errno.EIO, "iomap request for inode " + ino + " but no block device is registered");
        }
        return dev;
    }
}
