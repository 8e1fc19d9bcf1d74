package org.ext4j.core.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * A filesystem that hands every call to the one it wraps: the base of the wrappers that change
 * how a filesystem is shown (owners for uid=/gid=, names for Windows). A wrapper overrides only
 * what it changes, so no call is lost to one of the interfaces' defaults on the way (a wrapper
 * that left out {@code retain} and {@code forget} once hid the kernel's references from the
 * core). It has the capabilities of what it wraps: {@link #writable()} and {@link #iomap()} answer
 * the wrapper itself when the wrapped filesystem has them; otherwise those calls fail with EROFS
 * and EOPNOTSUPP.
 */
public abstract class ForwardingFileSystem implements IomapFileSystem {
    /** The wrapped filesystem. */
    protected final InodeFileSystem fs;

    protected ForwardingFileSystem(InodeFileSystem fs) {
        this.fs = fs;
    }

    /** The wrapped filesystem's write side (EROFS when it has none). */
    protected final WritableFileSystem inner() {
        return fs.writable().orElseThrow(() -> new Ext4Exception(Errno.EROFS, "the filesystem is read-only"));
    }

    /** The wrapped filesystem's block mapping for an iomap kernel (EOPNOTSUPP when it has none). */
    protected final IomapFileSystem mapper() {
        return fs.iomap().orElseThrow(() -> new Ext4Exception(Errno.EOPNOTSUPP, "the filesystem has no block mapping for iomap"));
    }

    @Override
    public Optional<WritableFileSystem> writable() {
        return fs.writable().map(w -> this);
    }

    @Override
    public Optional<IomapFileSystem> iomap() {
        return fs.iomap().map(i -> this);
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly() || fs.writable().isEmpty();
    }

    @Override
    public String readOnlyReason() {
        return fs.writable().isPresent() ? fs.readOnlyReason() : "the filesystem takes no writes";
    }

    @Override
    public void remount(boolean readOnly) {
        fs.remount(readOnly);
    }

    @Override
    public void onPrivilegesDropped(LongConsumer listener) {
        fs.writable().ifPresent(w -> w.onPrivilegesDropped(listener));
    }

    @Override
    public void retain(long ino) {
        fs.retain(ino);
    }

    @Override
    public void forget(long ino) {
        fs.forget(ino);
    }

    @Override
    public void forgetAll(long[] inos) {
        fs.forgetAll(inos);
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        return fs.lookup(caller, parent, name);
    }

    @Override
    public Attributes getattr(long ino) {
        return fs.getattr(ino);
    }

    @Override
    public Attributes getattrByHandle(long ino) {
        return fs.getattrByHandle(ino);
    }

    @Override
    public byte[] readlink(long ino) {
        return fs.readlink(ino);
    }

    @Override
    public long opendir(Caller caller, long ino) {
        return fs.opendir(caller, ino);
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        return fs.readdir(ino, handle, offset, maxEntries);
    }

    @Override
    public void releasedir(long ino, long handle) {
        fs.releasedir(ino, handle);
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        return fs.open(caller, ino, flags);
    }

    @Override
    public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
        return fs.read(ino, handle, offset, dst, dstOff, len);
    }

    @Override
    public void release(long ino, long handle) {
        fs.release(ino, handle);
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        fs.access(caller, ino, mask);
    }

    @Override
    public StatFs statfs() {
        return fs.statfs();
    }

    @Override
    public byte[] getxattr(long ino, String name) {
        return fs.getxattr(ino, name);
    }

    @Override
    public List<String> listxattr(long ino) {
        return fs.listxattr(ino);
    }

    @Override
    public List<MappedExtent> mapBlocks(long ino, long offset, long length) {
        return fs.mapBlocks(ino, offset, length);
    }

    @Override
    public long lseek(long ino, long handle, long offset, int whence) {
        return fs.lseek(ino, handle, offset, whence);
    }

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        return inner().create(caller, parent, name, mode, umask, flags);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        return inner().mknod(caller, parent, name, mode, umask, rdevMajor, rdevMinor);
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        return inner().mkdir(caller, parent, name, mode, umask);
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        return inner().symlink(caller, parent, name, target);
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        return inner().link(caller, ino, newParent, newName);
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        inner().unlink(caller, parent, name);
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        inner().rmdir(caller, parent, name);
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        inner().rename(caller, parent, name, newParent, newName, flags);
    }

    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        return inner().write(caller, ino, handle, offset, src, srcOff, len);
    }

    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        return inner().setattr(caller, ino, handle, changes);
    }

    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        inner().fallocate(caller, ino, handle, mode, offset, length);
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        inner().setxattr(caller, ino, name, value, flags);
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        inner().removexattr(caller, ino, name);
    }

    @Override
    public int getflags(long ino) {
        return inner().getflags(ino);
    }

    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        return inner().setflags(caller, ino, flags);
    }

    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        inner().fsync(ino, handle, datasync);
    }

    @Override
    public void syncfs() {
        inner().syncfs();
    }

    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        return inner().tmpfile(caller, parent, mode, umask, flags);
    }

    @Override
    public Limits limits() {
        return mapper().limits();
    }

    @Override
    public Optional<Path> devicePath() {
        return mapper().devicePath();
    }

    @Override
    public MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite) {
        return mapper().mapForWrite(caller, ino, pos, count, fileWrite);
    }

    @Override
    public long ioend(long ino, long pos, long written, boolean extendSize) {
        return mapper().ioend(ino, pos, written, extendSize);
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
