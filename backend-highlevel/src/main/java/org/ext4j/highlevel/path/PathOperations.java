package org.ext4j.highlevel.path;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
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
 * through its handle, and the core keeps its inode until the last handle is released.
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
    private final XattrNaming xattrNames;
    private final boolean opensAlwaysReadWrite;
    private final ConcurrentHashMap<Long, Long> handles = new ConcurrentHashMap<>();

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
        return fs.getattr(inode(caller, path, fh));
    }

    public byte[] readlink(Caller caller, byte[] path) {
        return fs.readlink(dentries.resolve(caller, path));
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
        long ino = dentries.resolve(caller, existing);
        DentryCache.Entry e = newEntry(caller, newPath);
        return writable().link(caller, ino, e.parent(), e.name());
    }

    public void unlink(Caller caller, byte[] path) {
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
    }

    /**
     * chmod(2). A chmod by someone who is neither the owner nor root that only drops setuid or
     * setgid is the kernel removing privileges after a write or truncate (file_remove_privs,
     * ATTR_FORCE, so the kernel did not check ownership): libfuse 3.14 never tells the kernel
     * that the filesystem drops them itself (it takes FUSE_HANDLE_KILLPRIV from the kernel but
     * leaves it out of its INIT reply), so the kernel sends this chmod as the writer. With
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
                return writable().setattr(Caller.ROOT, ino, fh, SetAttr.chmod(wanted));
            }
        }
        return writable().setattr(caller, ino, fh, SetAttr.chmod(wanted));
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
        return w.setattr(caller, inode(caller, path, fh), fh, changes);
    }

    public void access(Caller caller, byte[] path, int mask) {
        fs.access(caller, dentries.resolve(caller, path), mask);
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
            long ino = dentries.resolve(caller, path);
            try {
                if (!fs.isReadOnly()) {
                    return register(fs.open(caller, ino, flags), ino);
                }
            } catch (Ext4Exception refused) {
                if (refused.errno() != Errno.EACCES && refused.errno() != Errno.EPERM) {
                    throw refused;
                }
            }
            int readOnly = (flags & ~WritableFileSystem.O_ACCMODE) | WritableFileSystem.O_RDONLY;
            return register(fs.open(caller, ino, readOnly), ino);
        }
        boolean writes = (flags & WritableFileSystem.O_ACCMODE) != WritableFileSystem.O_RDONLY
                || (flags & WritableFileSystem.O_TRUNC) != 0;
        if (writes) {
            writable();
        }
        long ino = dentries.resolve(caller, path);
        return register(fs.open(caller, ino, flags), ino);
    }

    /** open(2) with O_CREAT: the new (or, without O_EXCL, existing) file's handle. */
    public long create(Caller caller, byte[] path, int mode, int umask, int flags) {
        WritableFileSystem w = writable();
        DentryCache.Entry e = newEntry(caller, path);
        WritableFileSystem.Created created = w.create(caller, e.parent(), e.name(), mode & 07777, umask, flags);
        return register(created.handle(), created.attributes().ino());
    }

    public int read(long fh, long offset, byte[] dst, int len) {
        long ino = handleInode(fh);
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
        return writable().write(caller, handleInode(fh), fh, offset, src, 0, len);
    }

    public void release(long fh) {
        Long ino = handles.remove(fh);
        if (ino != null) {
            fs.release(ino, fh);
        }
    }

    public void fsync(long fh, boolean datasync) {
        if (!fs.isReadOnly()) {
            fs.fsync(handleInode(fh), fh, datasync);
        }
    }

    public void fallocate(Caller caller, long fh, int mode, long offset, long length) {
        writable().fallocate(caller, handleInode(fh), fh, mode, offset, length);
    }

    /** lseek with SEEK_DATA or SEEK_HOLE (the kernel answers the other whence values itself). */
    public long lseek(long fh, long offset, int whence) {
        return fs.lseek(handleInode(fh), fh, offset, whence);
    }

    /** FS_IOC_GETFLAGS. */
    public int getflags(Caller caller, byte[] path, long fh) {
        return fs.getflags(inode(caller, path, fh));
    }

    /** FS_IOC_SETFLAGS. */
    public void setflags(Caller caller, byte[] path, long fh, int flags) {
        writable().setflags(caller, inode(caller, path, fh), flags);
    }

    /** Makes everything durable (fsyncdir, and the library's destroy). */
    public void syncfs() {
        if (!fs.isReadOnly()) {
            fs.syncfs();
        }
    }

    // ---- directories ----

    public long opendir(Caller caller, byte[] path) {
        long ino = dentries.resolve(caller, path);
        return register(fs.opendir(caller, ino), ino);
    }

    /** Up to {@code maxEntries} entries from cookie {@code offset} ("." and ".." included). */
    public List<DirectoryEntry> readdir(long fh, long offset, int maxEntries) {
        long ino = handleInode(fh);
        return fs.readdir(ino, fh, offset, maxEntries);
    }

    public void releasedir(long fh) {
        Long ino = handles.remove(fh);
        if (ino != null) {
            fs.releasedir(ino, fh);
        }
    }

    // ---- extended attributes ----

    /** setxattr(2) with host name {@code name}; {@code flags} are the core's XATTR_CREATE/REPLACE. */
    public void setxattr(Caller caller, byte[] path, String name, byte[] value, int flags) {
        String coreName = xattrNames.toCore(name);
        writable().setxattr(caller, dentries.resolve(caller, path), coreName, value, flags);
    }

    public byte[] getxattr(Caller caller, byte[] path, String name) {
        String coreName = xattrNames.toCore(name);
        return fs.getxattr(dentries.resolve(caller, path), coreName);
    }

    /** The host names of the attributes the host can see. */
    public List<String> listxattr(Caller caller, byte[] path) {
        List<String> shown = new java.util.ArrayList<>();
        for (String coreName : fs.listxattr(dentries.resolve(caller, path))) {
            String hostName = xattrNames.toHost(coreName);
            if (hostName != null) {
                shown.add(hostName);
            }
        }
        return shown;
    }

    public void removexattr(Caller caller, byte[] path, String name) {
        String coreName = xattrNames.toCore(name);
        writable().removexattr(caller, dentries.resolve(caller, path), coreName);
    }

    // ---- details ----

    /** Open handles (for tests). */
    int openHandles() {
        return handles.size();
    }

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

    private long register(long handle, long ino) {
        handles.put(handle, ino);
        return handle;
    }

    private long handleInode(long fh) {
        Long ino = handles.get(fh);
        if (ino == null) {
            throw new Ext4Exception(Errno.EBADF, "no open handle " + fh);
        }
        return ino;
    }

    private long inode(Caller caller, byte[] path, long fh) {
        if (fh != NO_HANDLE) {
            Long ino = handles.get(fh);
            if (ino != null) {
                return ino;
            }
        }
        if (path == null) {
            throw new Ext4Exception(Errno.EBADF, "neither a path nor an open handle");
        }
        return dentries.resolve(caller, path);
    }

    private WritableFileSystem writable() {
        if (fs.isReadOnly()) {
            throw new Ext4Exception(Errno.EROFS, "read-only: " + fs.readOnlyReason());
        }
        return fs;
    }
}
