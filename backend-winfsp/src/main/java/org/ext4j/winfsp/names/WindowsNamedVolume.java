package org.ext4j.winfsp.names;

import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.ForwardingFileSystem;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * A volume as Windows names it: every name that goes in is an ext4 name again
 * ({@link WindowsNames#fromWindows}), every name and symlink target that comes out is shown as
 * Windows can hold it ({@link WindowsNames#toWindows}). A Windows spelling that is no shown name
 * is not found (ENOENT) and cannot be created (EINVAL). Everything else passes through.
 */
public final class WindowsNamedVolume extends ForwardingFileSystem {
    public WindowsNamedVolume(WritableFileSystem fs) {
        super(fs);
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
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        return fs.lookup(caller, parent, existing(name));
    }

    @Override
    public byte[] readlink(long ino) {
        return WindowsNames.targetToWindows(fs.readlink(ino));
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
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        return inner().create(caller, parent, fresh(name), mode, umask, flags);
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        return inner().mknod(caller, parent, fresh(name), mode, umask, rdevMajor, rdevMinor);
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        return inner().mkdir(caller, parent, fresh(name), mode, umask);
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        byte[] stored = WindowsNames.targetFromWindows(target);
        if (stored == null) {
            throw new Ext4Exception(Errno.EINVAL, "a symlink target with a name ext4j would not show that way");
        }
        return inner().symlink(caller, parent, fresh(name), stored);
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        return inner().link(caller, ino, newParent, fresh(newName));
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        inner().unlink(caller, parent, existing(name));
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        inner().rmdir(caller, parent, existing(name));
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        inner().rename(caller, parent, existing(name), newParent, fresh(newName), flags);
    }
}
