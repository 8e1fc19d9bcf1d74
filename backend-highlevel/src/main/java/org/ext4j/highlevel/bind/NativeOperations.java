package org.ext4j.highlevel.bind;

import static org.ext4j.highlevel.bind.NativeStrings.bytes;
import static org.ext4j.highlevel.bind.NativeStrings.bytesOrNull;

import java.io.PrintStream;
import java.util.List;
import jnr.ffi.Pointer;
import org.ext4j.core.spi.FsXflags;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.highlevel.abi.Field;
import org.ext4j.highlevel.abi.FlagTable;
import org.ext4j.highlevel.abi.LibfuseAbi;
import org.ext4j.highlevel.abi.LibfuseDialect;
import org.ext4j.highlevel.abi.Operation;
import org.ext4j.highlevel.abi.Platform;
import org.ext4j.highlevel.path.PathOperations;

/**
 * The fuse_operations callbacks: each reads its native arguments with the platform's layouts,
 * calls {@link PathOperations} with the request's caller, writes the results back and returns 0
 * or a negative native errno. No exception ever reaches native code: the core's errors become
 * their errno, anything else is logged and becomes EIO ({@link CallbackErrors}). The extended
 * attribute callbacks live in {@link XattrCallbacks}.
 */
final class NativeOperations {
    /** How many entries readdir asks the core for at a time (the filler stops it when full). */
    private static final int READDIR_BATCH = 128;
    /** ENOTTY: an ioctl this filesystem does not know (25 on Linux and FreeBSD). */
    private static final int ENOTTY = 25;

    private final PathOperations ops;
    private final Platform platform;
    private final LibfuseAbi abi;
    /** Where this library's fuse_file_info keeps fh. */
    private final Field fileHandle;
    private final RequestContext context;
    private final DirectoryFiller filler;
    private final InitSettings settings;
    private final PrintStream log;
    private final CallbackErrors errors;
    private final XattrCallbacks xattrs;
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[0]);

    NativeOperations(PathOperations ops, Platform platform, LibfuseLibrary library, InitSettings settings,
            PrintStream log) {
        this.ops = ops;
        this.platform = platform;
        this.abi = library.abi();
        this.fileHandle = platform.dialect().fileHandle();
        this.context = new RequestContext(library, platform, settings.fixedCaller(), settings.fixedUmask());
        this.filler = new DirectoryFiller(library.runtime(), platform.stat().size());
        this.settings = settings;
        this.log = log;
        this.errors = new CallbackErrors(platform.errnos(), log);
        this.xattrs = new XattrCallbacks(ops, platform, context, errors);
    }

    /**
     * What init writes into fuse_config and fuse_conn_info, and who the requests come from.
     *
     * @param fixedCaller the caller of every request where the library reports none (null: ask
     *                    fuse_get_context())
     * @param fixedUmask  the umask of every request with a fixed caller
     */
    record InitSettings(double entryTimeout, double attrTimeout, double negativeTimeout, Caller fixedCaller,
            int fixedUmask) {
    }

    /** Fills {@code table} with the closures of every implemented slot the library's dialect serves. */
    void register(OperationTable table) {
        LibfuseDialect dialect = platform.dialect();
        set(table, Operation.GETATTR, (Callbacks.PathPointerFi) this::getattr);
        set(table, Operation.READLINK, (Callbacks.PathBufSize) this::readlink);
        if (dialect.devWidth() == 4) {
            set(table, Operation.MKNOD, (Callbacks.PathModeDev32) (path, mode, dev) -> mknod(path, mode,
                    Integer.toUnsignedLong(dev)));
        } else {
            set(table, Operation.MKNOD, (Callbacks.PathModeDev) this::mknod);
        }
        set(table, Operation.MKDIR, (Callbacks.PathInt) this::mkdir);
        set(table, Operation.UNLINK, (Callbacks.PathOnly) path -> errors.run(Operation.UNLINK,
                () -> ops.unlink(caller(), bytes(path))));
        set(table, Operation.RMDIR, (Callbacks.PathOnly) path -> errors.run(Operation.RMDIR,
                () -> ops.rmdir(caller(), bytes(path))));
        set(table, Operation.SYMLINK, (Callbacks.PathPath) (target, path) -> errors.run(Operation.SYMLINK,
                () -> ops.symlink(caller(), bytes(target), bytes(path))));
        set(table, Operation.RENAME, (Callbacks.PathPathInt) this::rename);
        set(table, Operation.LINK, (Callbacks.PathPath) (from, to) -> errors.run(Operation.LINK,
                () -> ops.link(caller(), bytes(from), bytes(to))));
        set(table, Operation.CHMOD, (Callbacks.PathIntFi) (path, mode, fi) -> errors.run(Operation.CHMOD,
                () -> ops.chmod(caller(), bytesOrNull(path), fh(fi), platform.mode(mode))));
        set(table, Operation.CHOWN, (Callbacks.PathUidGidFi) (path, uid, gid, fi) -> errors.run(Operation.CHOWN,
                () -> ops.chown(caller(), bytesOrNull(path), fh(fi), Integer.toUnsignedLong(uid),
                        Integer.toUnsignedLong(gid))));
        set(table, Operation.TRUNCATE, (Callbacks.PathLongFi) (path, size, fi) -> errors.run(Operation.TRUNCATE,
                () -> ops.truncate(caller(), bytesOrNull(path), fh(fi), size)));
        set(table, Operation.OPEN, (Callbacks.PathFi) this::open);
        set(table, Operation.READ, (Callbacks.PathBufSizeOffsetFi) this::read);
        set(table, Operation.WRITE, (Callbacks.PathBufSizeOffsetFi) this::write);
        set(table, Operation.STATFS, (Callbacks.PathPath) this::statfs);
        set(table, Operation.RELEASE, (Callbacks.PathFi) (path, fi) -> errors.run(Operation.RELEASE,
                () -> ops.release(fh(fi))));
        set(table, Operation.FSYNC, (Callbacks.PathIntFi) (path, datasync, fi) -> errors.run(Operation.FSYNC,
                () -> ops.fsync(fh(fi), datasync != 0)));
        if (dialect.xattrPosition()) {
            set(table, Operation.SETXATTR, (Callbacks.SetXattrAt) xattrs::setxattrAt);
            set(table, Operation.GETXATTR, (Callbacks.GetXattrAt) xattrs::getxattrAt);
        } else {
            set(table, Operation.SETXATTR, (Callbacks.SetXattr) (path, name, value, size, flags) ->
                    xattrs.setxattrAt(path, name, value, size, flags, 0));
            set(table, Operation.GETXATTR, (Callbacks.GetXattr) (path, name, value, size) ->
                    xattrs.getxattrAt(path, name, value, size, 0));
        }
        set(table, Operation.LISTXATTR, (Callbacks.PathBufSize) xattrs::listxattr);
        set(table, Operation.REMOVEXATTR, (Callbacks.PathPath) xattrs::removexattr);
        set(table, Operation.OPENDIR, (Callbacks.PathFi) this::opendir);
        set(table, Operation.READDIR, (Callbacks.Readdir) this::readdir);
        set(table, Operation.RELEASEDIR, (Callbacks.PathFi) (path, fi) -> errors.run(Operation.RELEASEDIR,
                () -> ops.releasedir(fh(fi))));
        set(table, Operation.FSYNCDIR, (Callbacks.PathIntFi) (path, datasync, fi) -> errors.run(Operation.FSYNCDIR,
                ops::syncfs));
        set(table, Operation.INIT, (Callbacks.Init) this::init);
        set(table, Operation.DESTROY, (Callbacks.Destroy) this::destroy);
        set(table, Operation.ACCESS, (Callbacks.PathInt) (path, mask) -> errors.run(Operation.ACCESS,
                () -> ops.access(caller(), bytes(path), mask)));
        set(table, Operation.CREATE, (Callbacks.PathIntFi) this::create);
        set(table, Operation.UTIMENS, (Callbacks.PathPointerFi) this::utimens);
        if (platform.fileAttrIoctls() != null) {
            set(table, Operation.IOCTL, (Callbacks.Ioctl) this::ioctl);
        }
        set(table, Operation.FALLOCATE, (Callbacks.Fallocate) (path, mode, offset, length, fi) ->
                errors.run(Operation.FALLOCATE, () -> ops.fallocate(caller(), fh(fi), mode, offset, length)));
        set(table, Operation.LSEEK, (Callbacks.Lseek) this::lseek);
        if (platform.inodeFlags() != null) {
            set(table, Operation.CHFLAGS, (Callbacks.PathFiInt) this::chflags);
        }
        // Not set, on purpose: FLUSH (nothing is buffered per open file; ENOSYS stops the kernel
        // sending it), LOCK and FLOCK (the kernel then keeps locks locally, as for any FUSE
        // filesystem without them), BMAP, POLL, the _BUF variants (the plain read and write
        // serve), COPY_FILE_RANGE (the kernel falls back to reading and writing). macFUSE's
        // SETATTR stays empty too: the library then calls chmod, chown, truncate, utimens and
        // chflags one by one, which is what this class implements; SETVOLNAME (the label is
        // not renamed from the host) and MONITOR (nothing watches) likewise.
    }

    /** Puts {@code callback} into {@code op}'s slot when the library's dialect has and serves it. */
    private void set(OperationTable table, Operation op, Object callback) {
        if (platform.dialect().serves(op)) {
            table.set(op, callback);
        }
    }

    // ---- callbacks ----

    private Pointer init(Pointer conn, Pointer config) {
        try {
            LibfuseAbi.CFG_USE_INO.put(config, 1);
            // An open file is hidden rather than unlinked by libfuse, so that it keeps a path and
            // fstat works; PathOperations carries the hide out as the unlink (the core keeps the
            // inode on its orphan list), so nothing hidden is ever on the image.
            LibfuseAbi.CFG_HARD_REMOVE.put(config, 0);
            LibfuseAbi.CFG_READDIR_INO.put(config, 0);
            LibfuseAbi.CFG_DIRECT_IO.put(config, 0);
            LibfuseAbi.CFG_KERNEL_CACHE.put(config, 0);
            LibfuseAbi.CFG_AUTO_CACHE.put(config, 0);
            config.putDouble(LibfuseAbi.CFG_ENTRY_TIMEOUT.offset(), settings.entryTimeout());
            config.putDouble(LibfuseAbi.CFG_ATTR_TIMEOUT.offset(), settings.attrTimeout());
            config.putDouble(LibfuseAbi.CFG_NEGATIVE_TIMEOUT.offset(), settings.negativeTimeout());
            // Calls that carry a file handle get no path: they never need one, and an unlinked
            // open file has none.
            abi.nullpathOk().put(config, 1);
            long capable = LibfuseAbi.CONN_CAPABLE.get(conn);
            long want = LibfuseAbi.CONN_WANT.get(conn);
            want |= capable & (LibfuseAbi.CAP_DONT_MASK | LibfuseAbi.CAP_POSIX_ACL | LibfuseAbi.CAP_ATOMIC_O_TRUNC);
            want |= capable & platform.dialect().wantedCapabilities();
            if (ops.fileSystem().isReadOnly()) {
                want |= capable & platform.dialect().readOnlyCapability();
            }
            // No HANDLE_KILLPRIV (3.14 asks for it by default but never tells the kernel; 3.17
            // would): the kernel then clears setuid/setgid after a write itself, by a SETATTR
            // whose answer refreshes the mode it caches. Cleared by the core alone, the mode
            // the kernel shows would stay stale for attr_timeout.
            want &= ~(LibfuseAbi.CAP_WRITEBACK_CACHE | LibfuseAbi.CAP_HANDLE_KILLPRIV);
            LibfuseAbi.CONN_WANT.put(conn, want);
        } catch (RuntimeException | Error e) {
            log.println("ext4j: init failed: " + e);
        }
        return null;
    }

    private void destroy(Pointer privateData) {
        errors.run(Operation.DESTROY, ops::syncfs);
    }

    private int getattr(Pointer path, Pointer stat, Pointer fi) {
        try {
            Attributes a = ops.getattr(caller(), bytesOrNull(path), fh(fi));
            platform.stat().write(stat, a, platform.devices(), nativeFlags(a));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.GETATTR, t);
        }
    }

    private int readlink(Pointer path, Pointer buf, long size) {
        try {
            byte[] target = ops.readlink(caller(), bytes(path));
            if (size <= 0) {
                return -errors.errno(Errno.EINVAL);
            }
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.READLINK, t);
        }
    }

    private int mknod(Pointer path, int mode, long dev) {
        try {
            ops.mknod(caller(), bytes(path), platform.mode(mode), context.umask(), (int) platform.devices().major(dev),
                    (int) platform.devices().minor(dev));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.MKNOD, t);
        }
    }

    private int mkdir(Pointer path, int mode) {
        try {
            ops.mkdir(caller(), bytes(path), platform.mode(mode), context.umask());
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.MKDIR, t);
        }
    }

    private int rename(Pointer from, Pointer to, int flags) {
        try {
            if (platform.renameFlags().hasUnknown(flags)) {
                return -errors.errno(Errno.EINVAL);
            }
            ops.rename(caller(), bytes(from), bytes(to), platform.renameFlags().toCore(flags));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.RENAME, t);
        }
    }

    private int open(Pointer path, Pointer fi) {
        try {
            int flags = platform.openFlags().toCore((int) LibfuseAbi.FI_FLAGS.get(fi));
            fileHandle.put(fi, ops.open(caller(), bytes(path), flags));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.OPEN, t);
        }
    }

    private int create(Pointer path, int mode, Pointer fi) {
        try {
            int flags = platform.openFlags().toCore((int) LibfuseAbi.FI_FLAGS.get(fi));
            fileHandle.put(fi, ops.create(caller(), bytes(path), platform.mode(mode), context.umask(), flags));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.CREATE, t);
        }
    }

    private int read(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        try {
            int len = (int) Math.min(size, Integer.MAX_VALUE);
            byte[] data = scratch(len);
            int n = ops.read(fh(fi), offset, data, len);
            buf.put(0, data, 0, n);
            return n;
        } catch (Throwable t) {
            return errors.fail(Operation.READ, t);
        }
    }

    private int write(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        try {
            int len = (int) Math.min(size, Integer.MAX_VALUE);
            byte[] data = scratch(len);
            buf.get(0, data, 0, len);
            return ops.write(caller(), fh(fi), offset, data, len);
        } catch (Throwable t) {
            return errors.fail(Operation.WRITE, t);
        }
    }

    private int statfs(Pointer path, Pointer statvfs) {
        try {
            platform.statfs().write(statvfs, ops.statfs());
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.STATFS, t);
        }
    }

    private int opendir(Pointer path, Pointer fi) {
        try {
            fileHandle.put(fi, ops.opendir(caller(), bytes(path)));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.OPENDIR, t);
        }
    }

    /**
     * Lists from cookie {@code offset}, handing each entry to libfuse with the cookie that
     * resumes after it, until the kernel's buffer is full or the directory ends. For
     * READDIRPLUS the full stat of each entry goes along ("." and ".." only with their type).
     */
    private int readdir(Pointer path, Pointer buf, Pointer fill, long offset, Pointer fi, int flags) {
        try {
            long fh = fh(fi);
            boolean plus = (flags & 1) != 0;
            long cookie = offset;
            while (true) {
                List<DirectoryEntry> entries = ops.readdir(fh, cookie, READDIR_BATCH);
                if (entries.isEmpty()) {
                    return 0;
                }
                for (DirectoryEntry e : entries) {
                    int fillFlags = 0;
                    if (plus && !isDotOrDotDot(e.name()) && fullStat(e)) {
                        fillFlags = DirectoryFiller.FILL_DIR_PLUS;
                    } else {
                        platform.stat().writeTypeOnly(filler.stat(), e.ino(), e.type().modeBits());
                    }
                    if (!filler.fill(fill, buf, e.name(), e.nextOffset(), fillFlags)) {
                        return 0;
                    }
                    cookie = e.nextOffset();
                }
            }
        } catch (Throwable t) {
            return errors.fail(Operation.READDIR, t);
        }
    }

    /** Writes entry {@code e}'s full stat into the filler's buffer; false when it cannot be read. */
    private boolean fullStat(DirectoryEntry e) {
        try {
            Attributes a = ops.fileSystem().getattr(e.ino());
            platform.stat().write(filler.stat(), a, platform.devices(), nativeFlags(a));
            return true;
        } catch (Ext4Exception failure) {
            // Still list the name; a later lookup of it reports the error to whoever asks.
            log.println("ext4j: readdir: inode " + e.ino() + " (\"" + e.nameString() + "\"): " + failure.getMessage());
            return false;
        }
    }

    private int utimens(Pointer path, Pointer times, Pointer fi) {
        try {
            ops.utimens(caller(), bytesOrNull(path), fh(fi), timeChange(times, 0), timeChange(times, 16));
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.UTIMENS, t);
        }
    }

    /** One struct timespec of utimens (8-byte tv_sec, 8-byte tv_nsec) as the core's change. */
    private TimeChange timeChange(Pointer times, int offset) {
        long seconds = times.getLongLong(offset);
        long nanos = times.getLongLong(offset + 8);
        if (nanos == platform.utimeNow()) {
            return TimeChange.NOW;
        }
        if (nanos == platform.utimeOmit()) {
            return TimeChange.OMIT;
        }
        if (nanos < 0 || nanos > 999_999_999) {
            throw new Ext4Exception(Errno.EINVAL, "tv_nsec out of range: " + nanos);
        }
        return TimeChange.set(new Timestamp(seconds, (int) nanos));
    }

    /**
     * FS_IOC_GETFLAGS / FS_IOC_SETFLAGS (chattr, lsattr; the flags word is an int either way) and
     * FS_IOC_FSGETXATTR, which the kernel sends before a SETFLAGS to check the old immutable and
     * append-only bits, and FS_IOC_FSSETXATTR, which sets the flags that have an xflag form
     * (extent size hints and project ids are not kept: EOPNOTSUPP unless zero).
     */
    private int ioctl(Pointer path, int cmd, Pointer arg, Pointer fi, int flags, Pointer data) {
        try {
            Platform.FileAttrIoctls codes = platform.fileAttrIoctls();
            if (codes.isGet(cmd)) {
                data.putInt(0, ops.getflags(caller(), bytesOrNull(path), fh(fi)));
                return 0;
            }
            if (codes.isSet(cmd)) {
                ops.setflags(caller(), bytesOrNull(path), fh(fi), data.getInt(0));
                return 0;
            }
            if (cmd == codes.fsGetXattr()) {
                int inodeFlags = ops.getflags(caller(), bytesOrNull(path), fh(fi));
                data.setMemory(0, Platform.FileAttrIoctls.FSXATTR_SIZE, (byte) 0);
                data.putInt(0, FsXflags.of(inodeFlags));
                return 0;
            }
            if (cmd == codes.fsSetXattr()) {
                // struct fsxattr: xflags at 0, extsize at 4, nextents at 8 (read-only), projid at 12, cowextsize at 16.
                if (data.getInt(4) != 0 || data.getInt(12) != 0 || data.getInt(16) != 0) {
                    return -errors.errno(Errno.EOPNOTSUPP);
                }
                int inodeFlags = ops.getflags(caller(), bytesOrNull(path), fh(fi));
                ops.setflags(caller(), bytesOrNull(path), fh(fi),
                        FsXflags.withXflags(inodeFlags, data.getInt(0)));
                return 0;
            }
            return -ENOTTY;
        } catch (Throwable t) {
            return errors.fail(Operation.IOCTL, t);
        }
    }

    /**
     * chflags(2) (macFUSE): the BSD flags ext4 has (immutable, append-only, nodump) replace those
     * bits of the inode's flags and leave the others; a flag ext4 cannot keep is refused
     * (ENOTSUP) rather than dropped.
     */
    private int chflags(Pointer path, Pointer fi, int flags) {
        try {
            FlagTable table = platform.inodeFlags();
            if (table.hasUnknown(flags)) {
                return -errors.errno(Errno.EOPNOTSUPP);
            }
            byte[] p = bytesOrNull(path);
            int current = ops.getflags(caller(), p, fh(fi));
            int wanted = (current & ~table.coreBits()) | table.toCore(flags);
            if (wanted != current) {
                ops.setflags(caller(), p, fh(fi), wanted);
            }
            return 0;
        } catch (Throwable t) {
            return errors.fail(Operation.CHFLAGS, t);
        }
    }

    /** The inode's flags in the OS's numbering, for the attribute structures that carry them. */
    private int nativeFlags(Attributes a) {
        FlagTable table = platform.inodeFlags();
        return table == null ? 0 : table.toNative(a.flags());
    }

    private long lseek(Pointer path, long offset, int whence, Pointer fi) {
        try {
            int coreWhence = platform.whence().toCore(whence);
            if (coreWhence == 0) {
                return -errors.errno(Errno.EINVAL);
            }
            return ops.lseek(fh(fi), offset, coreWhence);
        } catch (Throwable t) {
            return errors.fail(Operation.LSEEK, t);
        }
    }

    // ---- details ----

    private Caller caller() {
        return context.caller();
    }

    private long fh(Pointer fi) {
        return fi == null || fi.address() == 0 ? PathOperations.NO_HANDLE : fileHandle.get(fi);
    }

    private byte[] scratch(int size) {
        byte[] b = scratch.get();
        if (b.length < size) {
            b = new byte[size];
            scratch.set(b);
        }
        return b;
    }

    private static boolean isDotOrDotDot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
