package org.ext4j.linux.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.StatFs;
import org.ext4j.linux.protocol.AccessIn;
import org.ext4j.linux.protocol.AttrOut;
import org.ext4j.linux.protocol.BatchForgetIn;
import org.ext4j.linux.protocol.DataOut;
import org.ext4j.linux.protocol.DirentList;
import org.ext4j.linux.protocol.EntryOut;
import org.ext4j.linux.protocol.FlushIn;
import org.ext4j.linux.protocol.ForgetIn;
import org.ext4j.linux.protocol.FsyncIn;
import org.ext4j.linux.protocol.FuseAttr;
import org.ext4j.linux.protocol.FuseDecodeException;
import org.ext4j.linux.protocol.GetattrIn;
import org.ext4j.linux.protocol.GetxattrIn;
import org.ext4j.linux.protocol.GetxattrOut;
import org.ext4j.linux.protocol.InHeader;
import org.ext4j.linux.protocol.InitIn;
import org.ext4j.linux.protocol.InitOut;
import org.ext4j.linux.protocol.InterruptIn;
import org.ext4j.linux.protocol.LseekIn;
import org.ext4j.linux.protocol.LseekOut;
import org.ext4j.linux.protocol.Opcode;
import org.ext4j.linux.protocol.OpenIn;
import org.ext4j.linux.protocol.OpenOut;
import org.ext4j.linux.protocol.OutHeader;
import org.ext4j.linux.protocol.OutStruct;
import org.ext4j.linux.protocol.ReadIn;
import org.ext4j.linux.protocol.ReleaseIn;
import org.ext4j.linux.protocol.Request;
import org.ext4j.linux.protocol.StatfsOut;
import org.ext4j.linux.protocol.Wire;

/**
 * Serves FUSE requests from an {@link InodeFileSystem}: one request in (bytes), one reply out
 * (bytes, header and payload together) or none for the requests the kernel expects no answer to.
 * Read-only for now: every operation that would modify the filesystem answers EROFS while the
 * SPI is read-only. Thread-safe: the session calls it from several reader threads.
 */
public final class FuseDispatcher {
    /** EPROTO: the kernel's protocol version is one this code does not speak. */
    static final int EPROTO = 71;

    private static final int O_TRUNC = 01000;

    private final InodeFileSystem fs;
    private final DispatchOptions options;
    private final LookupCounts lookups = new LookupCounts();
    private final CountDownLatch initialized = new CountDownLatch(1);
    private final PrintStream log;
    private volatile int minor;
    private volatile boolean destroyed;

    public FuseDispatcher(InodeFileSystem fs, DispatchOptions options) {
        this(fs, options, System.err);
    }

    /** With an explicit log for unexpected failures (tests capture it). */
    public FuseDispatcher(InodeFileSystem fs, DispatchOptions options, PrintStream log) {
        this.fs = fs;
        this.options = options;
        this.log = log;
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
            OutStruct reply = dispatch(request);
            if (!request.opcode().expectsReply()) {
                return null;
            }
            return OutHeader.ok(h.unique(), reply);
        } catch (FuseDecodeException e) {
            byte[] reply = decodeFailure(e);
            // A malformed FORGET is still a FORGET: the kernel waits for no answer to it.
            return request.opcode().expectsReply() ? reply : null;
        } catch (ProtocolError e) {
            return OutHeader.error(h.unique(), e.errno);
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.EIO || e.errno() == Errno.EUCLEAN) {
                log.println("ext4j: " + request.opcode() + " of inode " + NodeIds.toIno(h.nodeId()) + ": "
                        + e.getMessage());
            }
            return request.opcode().expectsReply() ? OutHeader.error(h.unique(), e.errno().code()) : null;
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) e;
            }
            log.println("ext4j: " + request.opcode() + " of inode " + NodeIds.toIno(h.nodeId())
                    + " failed unexpectedly; answering EIO");
            e.printStackTrace(log);
            return request.opcode().expectsReply() ? OutHeader.error(h.unique(), Errno.EIO.code()) : null;
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

    private byte[] decodeFailure(FuseDecodeException e) {
        if (e.kind() == FuseDecodeException.Kind.UNKNOWN_OPCODE) {
            return OutHeader.error(e.unique(), Errno.ENOSYS.code());
        }
        log.println("ext4j: undecodable request (" + e.kind() + "): " + e.getMessage());
        return e.uniqueKnown() ? OutHeader.error(e.unique(), Errno.EINVAL.code()) : null;
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
                return getattr(ino);
            case READLINK:
                return DataOut.of(fs.readlink(ino));
            case OPEN:
                return open(h, ino, OpenIn.decode(r.body()));
            case READ:
                return read(ino, ReadIn.decode(r.body()));
            case RELEASE:
                fs.release(ino, ReleaseIn.decode(r.body()).fh());
                return null;
            case OPENDIR:
                OpenIn.decode(r.body());
                return new OpenOut(fs.opendir(Credentials.of(h), ino), 0, 0);
            case READDIR:
                return readdir(ino, ReadIn.decode(r.body()), false);
            case READDIRPLUS:
                return readdir(ino, ReadIn.decode(r.body()), true);
            case RELEASEDIR:
                fs.releasedir(ino, ReleaseIn.decode(r.body()).fh());
                return null;
            case STATFS:
                return statfs();
            case GETXATTR:
                return getxattr(ino, GetxattrIn.decode(r.body(), true));
            case LISTXATTR:
                return listxattr(ino, GetxattrIn.decode(r.body(), false));
            case ACCESS:
                fs.access(Credentials.of(h), ino, AccessIn.decode(r.body()).mask());
                return null;
            case FLUSH:
                // Nothing is buffered per open file: data and metadata reach the core at each call.
                FlushIn.decode(r.body());
                return null;
            case FSYNC:
            case FSYNCDIR:
                FsyncIn.decode(r.body());
                return fsync();
            case INTERRUPT:
                // Requests are served synchronously and briefly; letting one finish is always correct.
                InterruptIn.decode(r.body());
                return null;
            case DESTROY:
                destroyed = true;
                return null;
            case LSEEK:
                return lseek(ino, LseekIn.decode(r.body()));
            case NOTIFY_REPLY:
                return null;
            case SETATTR:
            case SYMLINK:
            case MKNOD:
            case MKDIR:
            case UNLINK:
            case RMDIR:
            case RENAME:
            case RENAME2:
            case LINK:
            case WRITE:
            case SETXATTR:
            case REMOVEXATTR:
            case CREATE:
            case FALLOCATE:
            case COPY_FILE_RANGE:
            case COPY_FILE_RANGE_64:
            case TMPFILE:
                throw writeRefused();
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
        InitOut out = InitNegotiation.answer(in, options);
        minor = out.minor();
        initialized.countDown();
        return out;
    }

    private EntryOut lookup(InHeader h, long parent, byte[] name) {
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
        return new EntryOut(NodeIds.toNodeId(a.ino()), Integer.toUnsignedLong(a.generation()),
                options.entryTimeoutSeconds(), options.attrTimeoutSeconds(), 0, 0, fuseAttr(a));
    }

    private AttrOut getattr(long ino) {
        return new AttrOut(options.attrTimeoutSeconds(), 0, fuseAttr(fs.getattr(ino)));
    }

    /** The wire form of the core's stat. */
    static FuseAttr fuseAttr(Attributes a) {
        return new FuseAttr(a.ino(), a.size(), a.blocks512(), a.atime().seconds(), a.mtime().seconds(),
                a.ctime().seconds(), a.atime().nanos(), a.mtime().nanos(), a.ctime().nanos(), a.mode(), a.nlink(),
                a.uid(), a.gid(), FuseAttr.encodeDev(a.rdevMajor(), a.rdevMinor()), a.blockSize(), 0);
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

    private DataOut read(long ino, ReadIn in) {
        int size = (int) Math.min(in.size(), Math.max(options.maxWrite(), options.maxPages() * 4096L));
        byte[] buf = new byte[size];
        int done = 0;
        // The kernel takes a short read for end of file, so keep reading until full or EOF.
        while (done < size) {
            int n = fs.read(ino, in.fh(), in.offset() + done, buf, done, size - done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        return new DataOut(buf, 0, done);
    }

    private DirentList readdir(long ino, ReadIn in, boolean plus) {
        int capacity = (int) Math.min(in.size(), Math.max(options.maxWrite(), options.maxPages() * 4096L));
        DirentList list = new DirentList(capacity, plus);
        int maxEntries = Math.max(1, capacity / DirentList.recordSize(1, plus));
        List<DirectoryEntry> entries = fs.readdir(ino, in.fh(), in.offset(), maxEntries);
        for (DirectoryEntry d : entries) {
            if (!list.fits(d.name().length)) {
                break;
            }
            EntryOut entry = plus ? plusEntry(d) : null;
            list.add(entry, d.ino(), d.nextOffset(), direntType(d.type()), d.name());
            if (entry != null && entry.nodeId() != 0) {
                lookups.increment(entry.nodeId());
            }
        }
        return list;
    }

    /** The entry part of a READDIRPLUS record; node id 0 (no entry) for "." and "..", which the kernel skips. */
    private EntryOut plusEntry(DirectoryEntry d) {
        if (isDotOrDotDot(d.name())) {
            return EntryOut.negative(0);
        }
        try {
            return entry(fs.getattr(d.ino()));
        } catch (Ext4Exception e) {
            // Still list the name; a later LOOKUP of it reports the error to whoever asks.
            log.println("ext4j: READDIRPLUS: inode " + d.ino() + " (\"" + d.nameString() + "\"): " + e.getMessage());
            return EntryOut.negative(0);
        }
    }

    static boolean isDotOrDotDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /** The DT_xxx value readdir(3) reports: the S_IFMT bits shifted down. */
    static int direntType(FileType type) {
        return type.modeBits() >>> 12;
    }

    private StatfsOut statfs() {
        StatFs s = fs.statfs();
        return new StatfsOut(s.blocks(), s.blocksFree(), s.blocksAvailable(), s.files(), s.filesFree(), s.blockSize(),
                s.maxNameLength(), s.blockSize());
    }

    private OutStruct getxattr(long ino, GetxattrIn in) {
        return sized(fs.getxattr(ino, in.name()), in.size());
    }

    private OutStruct listxattr(long ino, GetxattrIn in) {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String name : fs.listxattr(ino)) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            names.write(b, 0, b.length);
            names.write(0);
        }
        return sized(names.toByteArray(), in.size());
    }

    /** The getxattr/listxattr convention: size 0 asks for the size; a smaller buffer is ERANGE. */
    private static OutStruct sized(byte[] value, long size) {
        if (size == 0) {
            return new GetxattrOut(value.length);
        }
        if (value.length > size) {
            throw new ProtocolError(Errno.ERANGE.code());
        }
        return DataOut.of(value);
    }

    private OutStruct fsync() {
        if (fs.isReadOnly()) {
            return null;
        }
        throw new ProtocolError(Errno.ENOSYS.code());
    }

    private LseekOut lseek(long ino, LseekIn in) {
        if (in.whence() != LseekIn.SEEK_DATA && in.whence() != LseekIn.SEEK_HOLE) {
            throw new ProtocolError(Errno.EINVAL.code());
        }
        long size = fs.getattr(ino).size();
        if (in.offset() < 0 || in.offset() >= size) {
            throw new ProtocolError(Errno.ENXIO.code());
        }
        boolean wantData = in.whence() == LseekIn.SEEK_DATA;
        for (MappedExtent e : fs.mapBlocks(ino, in.offset(), size - in.offset())) {
            // Unwritten extents read as zeros: SEEK_DATA skips them, as the kernel's ext4 does.
            boolean data = e.kind() == MappedExtent.Kind.MAPPED || e.kind() == MappedExtent.Kind.INLINE;
            if (data == wantData && e.fileOffset() + e.length() > in.offset()) {
                return new LseekOut(Math.max(in.offset(), e.fileOffset()));
            }
        }
        if (wantData) {
            throw new ProtocolError(Errno.ENXIO.code());
        }
        // There is always a hole at the end of the file.
        return new LseekOut(size);
    }

    private ProtocolError writeRefused() {
        return new ProtocolError(fs.isReadOnly() ? Errno.EROFS.code() : Errno.ENOSYS.code());
    }

    /** An errno answered for a protocol reason (not an SPI failure): no logging needed. */
    static final class ProtocolError extends RuntimeException {
        final int errno;

        ProtocolError(int errno) {
            super("errno " + errno, null, false, false);
            this.errno = errno;
        }
    }
}
