package org.ext4j.highlevel.path;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * The operations of a path-based FUSE API (libfuse's {@code struct fuse_operations}) on the
 * core's inode-keyed filesystem, in Java terms: paths are the bytes libfuse passes, flags and
 * errnos are the core's (Linux) values, and failures are {@link Ext4Exception}s. Nothing here
 * knows about native memory, so it runs in tests without libfuse.
 *
 * <p>Paths are resolved through a {@link DentryCache}. Calls that come with a file handle
 * ({@code fh}, what {@link #open}, {@link #create} and {@link #opendir} returned) use the inode
 * the handle was opened on and never look at the path, which libfuse leaves out for them
 * (nullpath_ok): an unlinked or renamed open file is still read, written, stat'ed and truncated
 * through its handle, and the core keeps its inode until the last handle is released. The
 * handles are kept in {@link OpenHandles}; open files libfuse hid rather than unlinked, in
 * {@link HiddenFiles}.
 *
 * <p>Names go through a {@link NamePolicy}: an entry asked for under another spelling than the
 * one stored is found, removed and replaced under its stored spelling, and a new entry is stored
 * as the policy says. Extended attribute names go through an {@link XattrNaming}.
 */
public final class PathOperations {
    /** The {@code fh} of a call that came without a file handle. */
    public static final long NO_HANDLE = -1;

    private final WritableFileSystem fs;
    private final DentryCache dentries;
    private final StaleAttributes stale = new StaleAttributes();
    private final XattrNaming xattrNames;
    private final boolean opensAlwaysReadWrite;
    private final OpenHandles handles = new OpenHandles();
    private final HiddenFiles hidden = new HiddenFiles();

    public PathOperations(WritableFileSystem fs) {
        this(fs, NamePolicy.EXACT, XattrNaming.LINUX, false);
    }

    /**
     * @param opensAlwaysReadWrite the host opens every file read/write whatever the program asked
     *                             (macFUSE's FSKit backend): an O_RDWR open the core refuses is
     *                             retried read-only, so that a read-only, immutable or read-only
     *                             mounted file can still be read; writes through it are refused
     */
    public PathOperations(WritableFileSystem fs, NamePolicy names, XattrNaming xattrNames,
            boolean opensAlwaysReadWrite) {
        this.fs = fs;
        this.dentries = new DentryCache(fs, names);
        this.xattrNames = xattrNames;
        this.opensAlwaysReadWrite = opensAlwaysReadWrite;
    }

    /** The other names of changed files, for the kernel to refresh (the mount sets the invalidator). */
    public StaleAttributes staleAttributes() {
        return stale;
    }

    /** The dentry cache (the mount clears it at unmount, so that the core forgets what it held). */
    public DentryCache dentries() {
        return dentries;
    }

    public WritableFileSystem fileSystem() {
        return fs;
    }

    // ---- attributes and names ----

    /** stat of {@code path}, or of the open file {@code fh} when given (fstat). */
    public Attributes getattr(Caller caller, byte[] path, long fh) {
        Attributes a = fs.getattr(inode(caller, path, fh));
        if (path != null) {
            stale.seen(path, a);
        }
        return hidden.shown(through(path, fh), a);
    }

    public byte[] readlink(Caller caller, byte[] path) {
        return fs.readlink(resolve(caller, path));
    }

    public Attributes mknod(Caller caller, byte[] path, int mode, int umask, int major, int minor) {
        DentryCache.Entry e = newEntry(caller, path);
        return writable().mknod(caller, e.parent(), e.name(), mode, umask, major, minor);
    }

    public Attributes mkdir(Caller caller, byte[] path, int mode, int umask) {
        DentryCache.Entry e = newEntry(caller, path);
        return writable().mkdir(caller, e.parent(), e.name(), mode & 07777, umask);
    }

    public Attributes symlink(Caller caller, byte[] target, byte[] linkPath) {
        DentryCache.Entry e = newEntry(caller, linkPath);
        return writable().symlink(caller, e.parent(), e.name(), target);
    }

    public Attributes link(Caller caller, byte[] existing, byte[] newPath) {
        long ino = resolve(caller, existing);
        DentryCache.Entry e = newEntry(caller, newPath);
        Attributes a = writable().link(caller, ino, e.parent(), e.name());
        stale.linked(existing, newPath, ino);
        // The kernel only moves the ctime it caches for the inode linked from (its link count
        // stays): the high-level API answered the link with another kernel inode.
        stale.changedUnnoticed(ino, existing);
        return a;
    }

    public void unlink(Caller caller, byte[] path) {
        if (hidden.release(path)) {
            return;
        }
        WritableFileSystem w = writable();
        DentryCache.Entry e = storedEntry(caller, path);
        ReentrantLock lock = dentries.lock(e.parent());
        lock.lock();
        try {
            dentries.drop(e.parent(), e.name());
            w.unlink(caller, e.parent(), e.name());
        } finally {
            lock.unlock();
        }
        stale.removed(path);
    }

    public void rmdir(Caller caller, byte[] path) {
        WritableFileSystem w = writable();
        DentryCache.Entry e = storedEntry(caller, path);
        ReentrantLock lock = dentries.lock(e.parent());
        lock.lock();
        try {
            dentries.drop(e.parent(), e.name());
            w.rmdir(caller, e.parent(), e.name());
        } finally {
            lock.unlock();
        }
    }

    /**
     * rename(2) with the core's RENAME_* flags. Both names are let go first (the source moves,
     * the target is replaced or, with EXCHANGE, moves too); the next lookup finds them anew.
     */
    public void rename(Caller caller, byte[] from, byte[] to, int flags) {
        if (flags == 0 && isHiding(caller, from, to)) {
            hide(caller, from, to);
            return;
        }
        WritableFileSystem w = writable();
        DentryCache.Entry source = storedEntry(caller, from);
        DentryCache.Entry target = newEntry(caller, to);
        ReentrantLock first = dentries.lock(source.parent());
        ReentrantLock second = dentries.lock(target.parent());
        if (second == first) {
            second = null;
        } else if (System.identityHashCode(second) < System.identityHashCode(first)) {
            ReentrantLock t = first;
            first = second;
            second = t;
        }
        first.lock();
        try {
            if (second != null) {
                second.lock();
            }
            try {
                dentries.drop(source.parent(), source.name());
                dentries.drop(target.parent(), target.name());
                // A moved directory takes its subtree along: every cached path below it changed.
                dentries.invalidatePaths();
                w.rename(caller, source.parent(), source.name(), target.parent(), target.name(), flags);
            } finally {
                if (second != null) {
                    second.unlock();
                }
            }
        } finally {
            first.unlock();
        }
        if ((flags & WritableFileSystem.RENAME_EXCHANGE) != 0) {
            stale.exchanged(from, to);
        } else {
            stale.removed(to);
            stale.renamed(from, to);
        }
        handles.renamed(from, to, (flags & WritableFileSystem.RENAME_EXCHANGE) != 0);
    }

    /**
     * chmod(2). A chmod by someone who is neither the owner nor root that only drops setuid or
     * setgid is the kernel removing privileges after a write or truncate (file_remove_privs,
     * ATTR_FORCE, so the kernel did not check ownership): the backend never tells the kernel
     * that the filesystem drops them itself (no FUSE_HANDLE_KILLPRIV, so that the answer to this
     * chmod refreshes the mode the kernel caches), so the kernel sends this chmod as the writer. With
     * default_permissions, which this backend always mounts with, the kernel refuses every other
     * chmod by a non-owner before it reaches us, so this one is applied as the kernel's.
     */
    public Attributes chmod(Caller caller, byte[] path, long fh, int mode) {
        long ino = inode(caller, path, fh);
        int wanted = mode & 07777;
        if (!caller.isRoot()) {
            Attributes current = fs.getattr(ino);
            int privileges = 06000;
            boolean dropsOnlyPrivileges = (current.permissions() & ~privileges) == (wanted & ~privileges)
                    && (wanted & privileges & ~current.permissions()) == 0 && wanted != current.permissions();
            if (current.uid() != caller.uid() && dropsOnlyPrivileges) {
                return changed(ino, path, fh, writable().setattr(Caller.ROOT, ino, fh, SetAttr.chmod(wanted)));
            }
        }
        return changed(ino, path, fh, writable().setattr(caller, ino, fh, SetAttr.chmod(wanted)));
    }

    /** chown(2); -1 (as an unsigned 32-bit id, 0xFFFFFFFF) leaves that id alone. */
    public Attributes chown(Caller caller, byte[] path, long fh, long uid, long gid) {
        return setattr(caller, path, fh, SetAttr.chown(uid == 0xFFFF_FFFFL ? -1 : uid, gid == 0xFFFF_FFFFL ? -1 : gid));
    }

    /** truncate(2), or ftruncate(2) through {@code fh} (then without a permission check, as the kernel does). */
    public Attributes truncate(Caller caller, byte[] path, long fh, long size) {
        return setattr(caller, path, fh, SetAttr.truncate(size));
    }

    public Attributes utimens(Caller caller, byte[] path, long fh, TimeChange atime, TimeChange mtime) {
        return setattr(caller, path, fh, SetAttr.utimens(atime, mtime));
    }

    private Attributes setattr(Caller caller, byte[] path, long fh, SetAttr changes) {
        WritableFileSystem w = writable();
        long ino = inode(caller, path, fh);
        return changed(ino, path, fh, w.setattr(caller, ino, fh, changes));
    }

    public void access(Caller caller, byte[] path, int mask) {
        fs.access(caller, resolve(caller, path), mask);
    }

    public StatFs statfs() {
        return fs.statfs();
    }

    // ---- files ----

    /** open(2) with the core's flags; returns the handle for {@code fi->fh}. */
    public long open(Caller caller, byte[] path, int flags) {
        boolean readWrite = (flags & WritableFileSystem.O_ACCMODE) == WritableFileSystem.O_RDWR
                && (flags & WritableFileSystem.O_TRUNC) == 0;
        if (opensAlwaysReadWrite && readWrite) {
            long ino = resolve(caller, path);
            try {
                if (!fs.isReadOnly()) {
                    return handles.register(fs.open(caller, ino, flags), ino, path);
                }
            } catch (Ext4Exception refused) {
                if (refused.errno() != Errno.EACCES && refused.errno() != Errno.EPERM) {
                    throw refused;
                }
            }
            int readOnly = (flags & ~WritableFileSystem.O_ACCMODE) | WritableFileSystem.O_RDONLY;
            return handles.register(fs.open(caller, ino, readOnly), ino, path);
        }
        boolean writes = (flags & WritableFileSystem.O_ACCMODE) != WritableFileSystem.O_RDONLY
                || (flags & WritableFileSystem.O_TRUNC) != 0;
        if (writes) {
            writable();
        }
        long ino = resolve(caller, path);
        long handle = handles.register(fs.open(caller, ino, flags), ino, path);
        if ((flags & WritableFileSystem.O_TRUNC) != 0) {
            stale.changedExcept(ino, path);
        }
        return handle;
    }

    /** open(2) with O_CREAT: the new (or, without O_EXCL, existing) file's handle. */
    public long create(Caller caller, byte[] path, int mode, int umask, int flags) {
        WritableFileSystem w = writable();
        DentryCache.Entry e = newEntry(caller, path);
        WritableFileSystem.Created created = w.create(caller, e.parent(), e.name(), mode & 07777, umask, flags);
        long ino = created.attributes().ino();
        stale.changedExcept(ino, path);
        return handles.register(created.handle(), ino, path);
    }

    public int read(long fh, long offset, byte[] dst, int len) {
        long ino = handles.inode(fh);
        int done = 0;
        // A short read means end of file to the kernel: fill the buffer unless the file ends.
        while (done < len) {
            int n = fs.read(ino, fh, offset + done, dst, done, len - done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    public int write(Caller caller, long fh, long offset, byte[] src, int len) {
        OpenHandles.Handle h = handles.get(fh);
        int n = writable().write(caller, h.ino, fh, offset, src, 0, len);
        stale.changedExcept(h.ino, h.path);
        return n;
    }

    public void release(long fh) {
        OpenHandles.Handle h = handles.remove(fh);
        if (h != null) {
            fs.release(h.ino, fh);
        }
    }

    public void fsync(long fh, boolean datasync) {
        if (!fs.isReadOnly()) {
            fs.fsync(handles.inode(fh), fh, datasync);
        }
    }

    public void fallocate(Caller caller, long fh, int mode, long offset, long length) {
        OpenHandles.Handle h = handles.get(fh);
        writable().fallocate(caller, h.ino, fh, mode, offset, length);
        stale.changedExcept(h.ino, h.path);
    }

    /** lseek with SEEK_DATA or SEEK_HOLE (the kernel answers the other whence values itself). */
    public long lseek(long fh, long offset, int whence) {
        return fs.lseek(handles.inode(fh), fh, offset, whence);
    }

    /** FS_IOC_GETFLAGS. */
    public int getflags(Caller caller, byte[] path, long fh) {
        return fs.getflags(inode(caller, path, fh));
    }

    /** FS_IOC_SETFLAGS. */
    public void setflags(Caller caller, byte[] path, long fh, int flags) {
        long ino = inode(caller, path, fh);
        writable().setflags(caller, ino, flags);
        // The kernel's fileattr_set refreshes nothing after it: the path it came through too.
        stale.changedUnnoticed(ino, through(path, fh));
    }

    /** Makes everything durable (fsyncdir, and the library's destroy). */
    public void syncfs() {
        if (!fs.isReadOnly()) {
            fs.syncfs();
        }
    }

    // ---- directories ----

    public long opendir(Caller caller, byte[] path) {
        long ino = resolve(caller, path);
        return handles.register(fs.opendir(caller, ino), ino, path);
    }

    /** Up to {@code maxEntries} entries from cookie {@code offset} ("." and ".." included). */
    public List<DirectoryEntry> readdir(long fh, long offset, int maxEntries) {
        long ino = handles.inode(fh);
        return fs.readdir(ino, fh, offset, maxEntries);
    }

    public void releasedir(long fh) {
        OpenHandles.Handle h = handles.remove(fh);
        if (h != null) {
            fs.releasedir(h.ino, fh);
        }
    }

    // ---- extended attributes ----

    /** setxattr(2) with host name {@code name}; {@code flags} are the core's XATTR_CREATE/REPLACE. */
    public void setxattr(Caller caller, byte[] path, String name, byte[] value, int flags) {
        String coreName = xattrNames.toCore(name);
        long ino = resolve(caller, path);
        writable().setxattr(caller, ino, coreName, value, flags);
        stale.changedExcept(ino, path);
    }

    public byte[] getxattr(Caller caller, byte[] path, String name) {
        String coreName = xattrNames.toCore(name);
        return fs.getxattr(resolve(caller, path), coreName);
    }

    /** The host names of the attributes the host can see. */
    public List<String> listxattr(Caller caller, byte[] path) {
        List<String> shown = new java.util.ArrayList<>();
        for (String coreName : fs.listxattr(resolve(caller, path))) {
            String hostName = xattrNames.toHost(coreName);
            if (hostName != null) {
                shown.add(hostName);
            }
        }
        return shown;
    }

    public void removexattr(Caller caller, byte[] path, String name) {
        String coreName = xattrNames.toCore(name);
        long ino = resolve(caller, path);
        writable().removexattr(caller, ino, coreName);
        stale.changedExcept(ino, path);
    }

    // ---- files unlinked while open ----

    /** A rename that is libfuse hiding an open file (see {@link HiddenFiles}): the name it hides exists. */
    private boolean isHiding(Caller caller, byte[] from, byte[] to) {
        if (!HiddenFiles.isHidingRename(from, to)) {
            return false;
        }
        try {
            resolve(caller, from);
            return true;
        } catch (Ext4Exception e) {
            return false;
        }
    }

    private void hide(Caller caller, byte[] from, byte[] to) {
        WritableFileSystem w = writable();
        long ino = resolve(caller, from);
        DentryCache.Entry e = storedEntry(caller, from);
        ReentrantLock lock = dentries.lock(e.parent());
        lock.lock();
        try {
            dentries.drop(e.parent(), e.name());
            w.unlink(caller, e.parent(), e.name());
        } finally {
            lock.unlock();
        }
        hidden.hid(to, ino);
        stale.removed(from);
        handles.renamed(from, to, false);
    }

    /** The inode at {@code path}: a hidden open file's, or the dentry cache's answer. */
    private long resolve(Caller caller, byte[] path) {
        Long ino = hidden.inode(path);
        return ino != null ? ino : dentries.resolve(caller, path);
    }

    // ---- details ----

    /** The parent of {@code path} and the spelling its last name is stored under (its shortest when none is). */
    private DentryCache.Entry storedEntry(Caller caller, byte[] path) {
        DentryCache.Entry e = dentries.parentOf(caller, path);
        byte[] stored = dentries.storedName(caller, e.parent(), e.name());
        if (stored == null) {
            stored = dentries.shortestSpelling(e.name());
        }
        return stored == e.name() ? e : new DentryCache.Entry(e.parent(), stored);
    }

    /** The parent of {@code path} and the bytes its last name is (or is to be) stored under. */
    private DentryCache.Entry newEntry(Caller caller, byte[] path) {
        DentryCache.Entry e = dentries.parentOf(caller, path);
        byte[] name = dentries.nameForEntry(caller, e.parent(), e.name());
        return name == e.name() ? e : new DentryCache.Entry(e.parent(), name);
    }

    /** {@code a}, after the other names of {@code ino} than the one the change came through are invalidated. */
    private Attributes changed(long ino, byte[] path, long fh, Attributes a) {
        stale.changedExcept(ino, through(path, fh));
        return a;
    }

    /** The path a call came through: its own, else its open handle's (null when it has neither). */
    private byte[] through(byte[] path, long fh) {
        return path != null ? path : handles.path(fh);
    }

    private long inode(Caller caller, byte[] path, long fh) {
        OpenHandles.Handle h = handles.find(fh);
        if (h != null) {
            return h.ino;
        }
        if (path == null) {
            throw new Ext4Exception(Errno.EBADF, "neither a path nor an open handle");
        }
        return resolve(caller, path);
    }

    private WritableFileSystem writable() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "read-only: " + fs.readOnlyReason());
        }
        return fs;
    }
}
