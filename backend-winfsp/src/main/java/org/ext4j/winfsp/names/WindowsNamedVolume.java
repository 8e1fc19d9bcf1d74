package org.ext4j.winfsp.names;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * A volume as Windows names it: every name that goes in is an ext4 name again
 * ({@link WindowsNames#fromWindows}), every name and symlink target that comes out is shown as
 * Windows can hold it ({@link WindowsNames#toWindows}). A Windows spelling that is no shown name
 * is not found (ENOENT) and cannot be created (EINVAL). Everything else passes through.
 */
public final class WindowsNamedVolume implements WritableFileSystem {
    private final WritableFileSystem fs;

    public WindowsNamedVolume(WritableFileSystem fs) {
        this.fs = fs;
    }

    private static byte[] existing(byte[] windows) {
        byte[] name = WindowsNames.fromWindows(windows);
        if (name == null) {
            throw new Ext4Exception(Errno.ENOENT, "no ext4 name is shown as this Windows name");
        }
        return name;
    }

    private static byte[] fresh(byte[] windows) {
        byte[] name = WindowsNames.fromWindows(windows);
        if (name == null) {
            throw new Ext4Exception(Errno.EINVAL, "a name with private-use characters (U+F000 to U+F0FF) that ext4j"
                    + " would not show that way");
        }
        return name;
    }

    @Override
    public Optional<WritableFileSystem> writable() {
        return fs.writable().map(w -> this);
    }

    @Override
    public void onPrivilegesDropped(java.util.function.LongConsumer listener) {
        fs.onPrivilegesDropped(listener);
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        return fs.lookup(caller, parent, existing(name));
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
        return WindowsNames.targetToWindows(fs.readlink(ino));
    }

    @Override
    public long opendir(Caller caller, long ino) {
        return fs.opendir(caller, ino);
    }

    @Override
    public List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        List<DirectoryEntry> entries = fs.readdir(ino, handle, offset, maxEntries);
        List<DirectoryEntry> shown = new ArrayList<>(entries.size());
        for (DirectoryEntry e : entries) {
            shown.add(new DirectoryEntry(e.ino(), WindowsNames.toWindows(e.name()), e.type(), e.nextOffset()));
        }
        return shown;
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
    public void remount(boolean readOnly) {
        fs.remount(readOnly);
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
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        return fs.create(caller, parent, fresh(name), mode, umask, flags);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        return fs.mknod(caller, parent, fresh(name), mode, umask, rdevMajor, rdevMinor);
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        return fs.mkdir(caller, parent, fresh(name), mode, umask);
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        byte[] stored = WindowsNames.targetFromWindows(target);
        if (stored == null) {
            throw new Ext4Exception(Errno.EINVAL, "a symlink target with a name ext4j would not show that way");
        }
        return fs.symlink(caller, parent, fresh(name), stored);
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        return fs.link(caller, ino, newParent, fresh(newName));
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        fs.unlink(caller, parent, existing(name));
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        fs.rmdir(caller, parent, existing(name));
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        fs.rename(caller, parent, existing(name), newParent, fresh(newName), flags);
    }

    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        return fs.write(caller, ino, handle, offset, src, srcOff, len);
    }

    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        return fs.setattr(caller, ino, handle, changes);
    }

    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        fs.fallocate(caller, ino, handle, mode, offset, length);
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        fs.setxattr(caller, ino, name, value, flags);
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        fs.removexattr(caller, ino, name);
    }

    @Override
    public int getflags(long ino) {
        return fs.getflags(ino);
    }

    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        return fs.setflags(caller, ino, flags);
    }

    @Override
    public void fsync(long ino, long handle, boolean datasync) {
        fs.fsync(ino, handle, datasync);
    }

    @Override
    public void syncfs() {
        fs.syncfs();
    }

    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        return fs.tmpfile(caller, parent, mode, umask, flags);
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
