package org.ext4j.linux.dispatch;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.linux.protocol.AccessIn;
import org.ext4j.linux.protocol.CopyFileRangeIn;
import org.ext4j.linux.protocol.CreateIn;
import org.ext4j.linux.protocol.BatchForgetIn;
import org.ext4j.linux.protocol.BmapIn;
import org.ext4j.linux.protocol.DataOut;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.FallocateIn;
import org.ext4j.linux.protocol.FlushIn;
import org.ext4j.linux.protocol.ForgetIn;
import org.ext4j.linux.protocol.FsyncIn;
import org.ext4j.linux.protocol.FuseDecodeException;
import org.ext4j.linux.protocol.GetattrIn;
import org.ext4j.linux.protocol.GetxattrIn;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.InitFlags;
import org.ext4j.linux.protocol.InitIn;
import org.ext4j.linux.protocol.IoctlIn;
import org.ext4j.linux.protocol.IoctlOut;
import org.ext4j.linux.protocol.NotifyInvalInode;
import org.ext4j.linux.protocol.LinkIn;
import org.ext4j.linux.protocol.InitOut;
import org.ext4j.linux.protocol.InterruptIn;
import org.ext4j.linux.protocol.LseekIn;
import org.ext4j.linux.protocol.MkdirIn;
import org.ext4j.linux.protocol.MknodIn;
import org.ext4j.linux.protocol.Opcode;
import org.ext4j.linux.protocol.OpenIn;
import org.ext4j.linux.protocol.OpenOut;
import org.ext4j.linux.protocol.OutHeader;
import org.ext4j.linux.protocol.OutStruct;
import org.ext4j.linux.protocol.ReadIn;
import org.ext4j.linux.protocol.ReleaseIn;
import org.ext4j.linux.protocol.RenameIn;
import org.ext4j.linux.protocol.Request;
import org.ext4j.linux.protocol.SetattrIn;
import org.ext4j.linux.protocol.SetxattrIn;
import org.ext4j.linux.protocol.StatxIn;
import org.ext4j.linux.protocol.SymlinkIn;
import org.ext4j.linux.protocol.Wire;
import org.ext4j.linux.protocol.WriteIn;

/**
 * Serves FUSE requests from an {@link InodeFileSystem}: one request in (bytes), one reply out
 * (bytes, header and payload together) or none for the requests the kernel expects no answer to.
 * Requests that change the filesystem go to the core's {@link WritableFileSystem} (see
 * {@link WriteRequests}); on a read-only filesystem they answer EROFS. Those that only read it are
 * served by {@link ReadRequests}. Thread-safe: the session calls it from several reader threads.
 */
public final class FuseDispatcher {
    /** EPROTO: the kernel's protocol version is one this code does not speak. */
    static final int EPROTO = 71;

    private static final int O_TRUNC = 01000;

    private final InodeFileSystem fs;
    private final DispatchOptions options;
    private final LookupCounts lookups;
    private final ReadRequests reads;
    private final WriteRequests writes;
    private final IomapRequests iomap;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private final PrintStream log;
    private volatile int minor;
    private volatile boolean destroyed;
    private volatile boolean setxattrExt;
    /** FUSE_OVER_IO_URING is asked for at INIT (the session has rings ready). */
    private volatile boolean ioUringOffered;
    private volatile boolean ioUringGranted;
    private volatile NotificationSink notifications = NotificationSink.NONE;
    /** Frees forgotten inodes in batches on its own thread; null: at once, on the reader thread. */
    private volatile ForgetReaper reaper;

    public FuseDispatcher(InodeFileSystem fs, DispatchOptions options) {
        this(fs, options, System.err);
    }

    /** With an explicit log for unexpected failures (tests capture it). */
    public FuseDispatcher(InodeFileSystem fs, DispatchOptions options, PrintStream log) {
        this.fs = fs;
        this.lookups = new LookupCounts(node -> fs.retain(NodeIds.toIno(node)), node -> forgotten(NodeIds.toIno(node)));
        this.options = options;
        this.log = log;
        this.writes = new WriteRequests(fs, options, lookups);
        this.iomap = new IomapRequests(fs, log);
        this.reads = new ReadRequests(fs, options, lookups, iomap, log);
        // A write, fallocate or O_TRUNC open that drops setuid/setgid replies without attributes,
        // and the kernel then refreshes size and times but keeps its cached mode.
        fs.writable().ifPresent(w -> w.onPrivilegesDropped(ino -> invalidateAttributes(NodeIds.toNodeId(ino))));
    }

    /**
     * From now on, hands the inodes the kernel forgets to the filesystem from a thread of its own,
     * in batches (see {@link ForgetReaper}); {@link #closeForgets} ends it.
     */
    public void forgetInBackground() {
        if (reaper == null) {
            reaper = new ForgetReaper(fs, log);
        }
    }

    /** Hands every forget still queued to the filesystem and stops the background thread. */
    public void closeForgets() throws InterruptedException {
        ForgetReaper r = reaper;
        if (r != null) {
            reaper = null;
            r.close();
        }
    }

    private void forgotten(long ino) {
        ForgetReaper r = reaper;
        if (r != null) {
            r.forgotten(ino);
        } else {
            fs.forget(ino);
        }
    }

    /**
     * Before a request that allocates an inode or counts free ones: the kernel's ext4 frees an
     * unlinked inode at its last iput, so the next create is handed that number and statfs counts
     * it free; the reaper's queue must not make a difference there.
     */
    private void freeForgotten() {
        ForgetReaper r = reaper;
        if (r != null) {
            r.drain();
        }
    }

    /** Sends notifications (cache invalidations) through {@code sink} from now on. */
    public void sendNotificationsTo(NotificationSink sink) {
        this.notifications = sink;
    }

    /**
     * Makes the kernel forget the cached attributes of {@code nodeId}, for a change it did not
     * make itself and that no reply reports. Sent before the reply of the request that made the
     * change, once the change is visible to GETATTR: a stat after the syscall returns sees it.
     */
    void invalidateAttributes(long nodeId) {
        notifications.send(OutHeader.notification(NotifyInvalInode.CODE, NotifyInvalInode.attributes(nodeId)));
    }

    /**
     * Makes INIT offer FUSE_IOMAP (call before the session starts). When the kernel accepts,
     * {@code device} is registered on first need and regular files are handed to the kernel's
     * iomap path; otherwise nothing changes and the device is never touched.
     */
    public void offerIomap(IomapBacking device) {
        iomap.offer(device);
    }

    /**
     * Makes INIT ask for FUSE_OVER_IO_URING (call before the session starts, once the rings that
     * will serve it exist: a granted ring that never registers would hold every request).
     */
    public void offerIoUring() {
        ioUringOffered = true;
    }

    /** True when INIT agreed on FUSE_OVER_IO_URING (the kernel offered it and it was asked for). */
    public boolean ioUringGranted() {
        return ioUringGranted;
    }

    /** How this dispatcher answers (max_write and max_pages size the ring's buffers). */
    public DispatchOptions options() {
        return options;
    }

    /** True when INIT agreed on FUSE_IOMAP. */
    public boolean iomapGranted() {
        return iomap.isGranted();
    }

    /** Unregisters the iomap block device, if one was registered (when the connection is gone). */
    public void closeIomap() {
        iomap.close();
    }

    /**
     * Handles one whole request.
     *
     * @return the reply to write to the device in one write, or null when none is due (FORGET,
     *         BATCH_FORGET, INTERRUPT, NOTIFY_REPLY, or a request too short to carry its unique id)
     */
    public byte[] handle(byte[] request) {
        return handle(ByteBuffer.wrap(request), request.length);
    }

    /** Handles the request in the first {@code length} bytes of {@code buffer} (from index 0). */
    public byte[] handle(ByteBuffer buffer, int length) {
        Reply reply = respond(buffer, length);
        if (reply == null) {
            return null;
        }
        return reply.error == 0 ? OutHeader.ok(reply.unique, reply.payload) : OutHeader.error(reply.unique, reply.error);
    }

    /**
     * Handles the request in the first {@code length} bytes of {@code in} and writes the reply into
     * {@code out} from index 0 (it must hold the largest reply: max_write plus headers).
     *
     * @return the reply's length, or -1 when none is due
     */
    public int handle(ByteBuffer in, int length, ByteBuffer out) {
        Reply reply = respond(in, length);
        if (reply == null) {
            return -1;
        }
        if (reply.error == 0) {
            return OutHeader.ok(out, reply.unique, reply.payload);
        }
        byte[] error = OutHeader.error(reply.unique, reply.error);
        out.put(0, error);
        return error.length;
    }

    /** A reply before encoding: an errno, or 0 and a payload (null for an empty one). */
    private record Reply(long unique, int error, OutStruct payload) {
        static Reply error(long unique, int errno) {
            return new Reply(unique, errno, null);
        }
    }

    private Reply respond(ByteBuffer buffer, int length) {
        Request request;
        try {
            request = Request.decode(buffer, length);
        } catch (FuseDecodeException e) {
            return decodeFailure(e);
        }
        InHeader h = request.header();
        try {
            if (minor == 0 && request.opcode() != Opcode.INIT) {
                throw new Ext4Exception(Errno.EIO, request.opcode() + " before INIT");
            }
            iomap.admit(request.opcode());
            OutStruct reply = iomap.mark(dispatch(request));
            if (!request.opcode().expectsReply()) {
                return null;
            }
            return new Reply(h.unique(), 0, reply);
        } catch (FuseDecodeException e) {
            Reply reply = decodeFailure(e);
            // A malformed FORGET is still a FORGET: the kernel waits for no answer to it.
            return request.opcode().expectsReply() ? reply : null;
        } catch (ProtocolError e) {
            return Reply.error(h.unique(), e.errno);
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.EIO || e.errno() == Errno.EUCLEAN) {
                log.println("ext4j: " + request.opcode() + " of inode " + NodeIds.toIno(h.nodeId()) + ": "
                        + e.getMessage());
            }
            return request.opcode().expectsReply() ? Reply.error(h.unique(), replyErrno(request.opcode(), e.errno()))
                    : null;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) e;
            }
            log.println("ext4j: " + request.opcode() + " of inode " + NodeIds.toIno(h.nodeId())
                    + " failed unexpectedly; answering EIO");
            e.printStackTrace(log);
            return request.opcode().expectsReply() ? Reply.error(h.unique(), Errno.EIO.code()) : null;
        }
    }

    /** Waits until INIT has been answered; false on timeout. */
    public boolean awaitInit(long timeout, TimeUnit unit) throws InterruptedException {
        return initialized.await(timeout, unit);
    }

    /** The protocol minor agreed at INIT (0 before). */
    public int negotiatedMinor() {
        return minor;
    }

    /** True once the kernel sent DESTROY (the connection is going away). */
    public boolean destroyed() {
        return destroyed;
    }

    /** The kernel's references per node. */
    public LookupCounts lookupCounts() {
        return lookups;
    }

    private Reply decodeFailure(FuseDecodeException e) {
        if (e.kind() == FuseDecodeException.Kind.UNKNOWN_OPCODE) {
            return Reply.error(e.unique(), Errno.ENOSYS.code());
        }
        log.println("ext4j: undecodable request (" + e.kind() + "): " + e.getMessage());
        return e.uniqueKnown() ? Reply.error(e.unique(), Errno.EINVAL.code()) : null;
    }

    private OutStruct dispatch(Request r) throws FuseDecodeException {
        InHeader h = r.header();
        long ino = NodeIds.toIno(h.nodeId());
        switch (r.opcode()) {
            case INIT:
                return init(InitIn.decode(r.body()));
            case LOOKUP:
                return lookup(h, ino, r.body().cString());
            case FORGET:
                lookups.forget(h.nodeId(), ForgetIn.decode(r.body()).nlookup());
                return null;
            case BATCH_FORGET:
                for (BatchForgetIn.ForgetOne f : BatchForgetIn.decode(r.body()).forgets()) {
                    lookups.forget(f.nodeId(), f.nlookup());
                }
                return null;
            case GETATTR:
                GetattrIn.decode(r.body());
                return reads.getattr(ino);
            case READLINK:
                return DataOut.of(fs.readlink(ino));
            case OPEN:
                return open(h, ino, OpenIn.decode(r.body()));
            case READ:
                return reads.read(ino, ReadIn.decode(r.body()));
            case RELEASE:
                fs.release(ino, ReleaseIn.decode(r.body()).fh());
                return null;
            case OPENDIR:
                OpenIn.decode(r.body());
                return new OpenOut(fs.opendir(Credentials.of(h), ino), 0, 0);
            case READDIR:
                return reads.readdir(ino, ReadIn.decode(r.body()), false);
            case READDIRPLUS:
                return reads.readdir(ino, ReadIn.decode(r.body()), true);
            case RELEASEDIR:
                fs.releasedir(ino, ReleaseIn.decode(r.body()).fh());
                return null;
            case STATFS:
                freeForgotten();
                return reads.statfs();
            case GETXATTR:
                return reads.getxattr(ino, GetxattrIn.decode(r.body(), true));
            case LISTXATTR:
                return reads.listxattr(ino, GetxattrIn.decode(r.body(), false));
            case ACCESS:
                fs.access(Credentials.of(h), ino, AccessIn.decode(r.body()).mask());
                return null;
            case FLUSH:
                // Nothing is buffered per open file (data and metadata reach the core at each call)
                // and ext4j keeps no POSIX locks, so close(2) has nothing to wait for. ENOSYS makes
                // the kernel stop sending FLUSH for this mount: one round trip less per close.
                FlushIn.decode(r.body());
                throw new ProtocolError(Errno.ENOSYS.code());
            case FSYNC: {
                FsyncIn in = FsyncIn.decode(r.body());
                writes.fsync(ino, in.fh(), (in.fsyncFlags() & FsyncIn.FDATASYNC) != 0);
                return null;
            }
            case FSYNCDIR:
                // Directory handles are not file handles in the core: make everything durable.
                FsyncIn.decode(r.body());
                writes.syncfs();
                return null;
            case SYNCFS:
                writes.syncfs();
                return null;
            case INTERRUPT:
                // Requests are served synchronously and briefly; letting one finish is always correct.
                InterruptIn.decode(r.body());
                return null;
            case DESTROY:
                // The connection goes away: what was committed must reach the disk before we answer.
                destroyed = true;
                writes.syncfs();
                return null;
            case LSEEK:
                return reads.lseek(ino, LseekIn.decode(r.body()));
            case BMAP:
                return reads.bmap(ino, BmapIn.decode(r.body()));
            case NOTIFY_REPLY:
                return null;
            case STATX:
                return reads.statx(ino, StatxIn.decode(r.body()));
            case IOCTL:
                return ioctl(h, ino, IoctlIn.decode(r.body()));
            case SETATTR:
                return writes.setattr(h, ino, SetattrIn.decode(r.body()));
            case SYMLINK:
                freeForgotten();
                return writes.symlink(h, ino, SymlinkIn.decode(r.body()));
            case MKNOD:
                freeForgotten();
                return writes.mknod(h, ino, MknodIn.decode(r.body()));
            case MKDIR:
                freeForgotten();
                return writes.mkdir(h, ino, MkdirIn.decode(r.body()));
            case UNLINK:
                writes.unlink(h, ino, r.body().cString());
                return null;
            case RMDIR:
                writes.rmdir(h, ino, r.body().cString());
                return null;
            case RENAME:
                writes.rename(h, ino, RenameIn.decode(r.body(), false));
                return null;
            case RENAME2:
                writes.rename(h, ino, RenameIn.decode(r.body(), true));
                return null;
            case LINK:
                return writes.link(h, ino, LinkIn.decode(r.body()));
            case CREATE:
                freeForgotten();
                return writes.create(h, ino, CreateIn.decode(r.body(), true));
            case TMPFILE:
                freeForgotten();
                return writes.tmpfile(h, ino, CreateIn.decode(r.body(), false));
            case WRITE:
                return writes.write(h, ino, WriteIn.decode(r.body(), reads::scratch));
            case SETXATTR:
                writes.setxattr(h, ino, SetxattrIn.decode(r.body(), setxattrExt));
                return null;
            case REMOVEXATTR:
                writes.removexattr(h, ino, new String(r.body().cString(), StandardCharsets.UTF_8));
                return null;
            case FALLOCATE:
                try {
                    writes.fallocate(h, ino, FallocateIn.decode(r.body()));
                } catch (Ext4Exception refused) {
                    // ext4 may refuse a mode after counting the call as a modification (mtime and
                    // ctime moved), and the kernel refreshes nothing after a failed FALLOCATE.
                    invalidateAttributes(h.nodeId());
                    throw refused;
                }
                return null;
            case COPY_FILE_RANGE:
                return writes.copyFileRange(h, ino, CopyFileRangeIn.decode(r.body()), false);
            case COPY_FILE_RANGE_64:
                return writes.copyFileRange(h, ino, CopyFileRangeIn.decode(r.body()), true);
            case IOMAP_BEGIN, IOMAP_END, IOMAP_IOEND, IOMAP_CONFIG, FREEZE_FS, UNFREEZE_FS, SHUTDOWN_FS:
                return iomap.serve(r, h, ino, writes);
            default:
                throw new ProtocolError(Errno.ENOSYS.code());
        }
    }

    private OutStruct init(InitIn in) {
        if (in.major() > Wire.KERNEL_VERSION) {
            // A newer major: say which one we speak; the kernel then offers it again.
            return new InitOut(Wire.KERNEL_VERSION, Wire.MAX_MINOR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        if (in.major() < Wire.KERNEL_VERSION || in.minor() < InitNegotiation.MIN_MINOR) {
            log.println("ext4j: the kernel speaks FUSE " + in.major() + "." + in.minor() + "; at least "
                    + Wire.KERNEL_VERSION + "." + InitNegotiation.MIN_MINOR + " is needed");
            throw new ProtocolError(EPROTO);
        }
        InitOut out = InitNegotiation.answer(in, options, iomap.offered(), ioUringOffered);
        writes.granted(out.flags());
        setxattrExt = (out.flags() & InitFlags.SETXATTR_EXT) != 0;
        iomap.granted((out.flags() & InitFlags.IOMAP) != 0);
        ioUringGranted = (out.flags() & InitFlags.OVER_IO_URING) != 0;
        minor = out.minor();
        initialized.countDown();
        return out;
    }

    /**
     * LOOKUP of a name in a directory, and the two lookups the kernel's export code sends to
     * resolve a file handle (open_by_handle_at, NFS) when it has forgotten the node: "." looks up
     * the node itself by its id (whatever its type), ".." a directory's parent. The path walk never
     * sends either name, the VFS resolves them itself. The kernel then compares the entry's
     * generation with the handle's, so a node id whose inode was freed and reused is stale.
     */
    private EntryOut lookup(InHeader h, long parent, byte[] name) {
        if (name.length == 1 && name[0] == '.') {
            EntryOut self = entry(fs.getattrByHandle(parent));
            lookups.increment(self.nodeId());
            return self;
        }
        Attributes a;
        try {
            a = fs.lookup(Credentials.of(h), parent, name);
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.ENOENT) {
                // ext4j is the only writer, so "no such name" may be cached like a positive entry.
                return EntryOut.negative(options.entryTimeoutSeconds());
            }
            throw e;
        }
        EntryOut entry = entry(a);
        lookups.increment(entry.nodeId());
        return entry;
    }

    private EntryOut entry(Attributes a) {
        return AttributeReplies.entry(a, options);
    }

    private OpenOut open(InHeader h, long ino, OpenIn in) {
        boolean writes = (in.flags() & InodeFileSystem.O_ACCMODE) != InodeFileSystem.O_RDONLY
                || (in.flags() & O_TRUNC) != 0;
        if (writes && fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "read-only: " + fs.readOnlyReason());
        }
        long fh = fs.open(Credentials.of(h), ino, in.flags());
        // Only ext4j changes the image, and only through this mount: cached pages stay valid.
        return new OpenOut(fh, OpenOut.FOPEN_KEEP_CACHE, 0);
    }

    private OutStruct ioctl(InHeader h, long ino, IoctlIn in) {
        WritableFileSystem w = fs.writable().orElseThrow(() -> new ProtocolError(FileAttrIoctl.ENOTTY));
        IoctlOut out = FileAttrIoctl.handle(w, Credentials.of(h), ino, in);
        if (FileAttrIoctl.setsFlags(in.cmd())) {
            // chattr moves ctime (and the flags), and the kernel's fileattr_set refreshes nothing after it.
            invalidateAttributes(h.nodeId());
        }
        return out;
    }

    /**
     * The errno a core failure is answered with. The kernel takes ENOSYS from some requests as
     * "never implemented" and stops sending them for the rest of the mount (SETXATTR would then
     * fail everywhere, ACCESS would allow everything, FSYNC would succeed without syncing), so a
     * core ENOSYS (the core raises none today; one would concern one case only) becomes
     * EOPNOTSUPP there. TMPFILE keeps it: the
     * kernel then answers EOPNOTSUPP itself, which is what an unimplemented O_TMPFILE should do.
     */
    static int replyErrno(Opcode op, Errno errno) {
        if (errno == Errno.ENOSYS && ENOSYS_LATCHES.contains(op)) {
            return Errno.EOPNOTSUPP.code();
        }
        return errno.code();
    }

    private static final Set<Opcode> ENOSYS_LATCHES = EnumSet.of(Opcode.SETXATTR, Opcode.GETXATTR,
            Opcode.LISTXATTR, Opcode.REMOVEXATTR, Opcode.ACCESS, Opcode.CREATE, Opcode.FSYNC, Opcode.FSYNCDIR,
            Opcode.FLUSH, Opcode.FALLOCATE, Opcode.LSEEK, Opcode.COPY_FILE_RANGE, Opcode.COPY_FILE_RANGE_64,
            Opcode.RENAME2, Opcode.LINK, Opcode.STATX, Opcode.OPEN, Opcode.OPENDIR);

    /** An errno answered for a protocol reason (not an SPI failure): no logging needed. */
    static final class ProtocolError extends RuntimeException {
        final int errno;

        ProtocolError(int errno) {
            super("errno " + errno, null, false, false);
            this.errno = errno;
        }
    }
}
