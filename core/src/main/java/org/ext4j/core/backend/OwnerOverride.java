package org.ext4j.core.backend;

import java.util.OptionalLong;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.ForwardingFileSystem;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.MappedExtent;
import org.ext4j.core.spi.SetAttr;

/**
 * The {@code uid=} / {@code gid=} mount options: every inode is shown as owned by one user and
 * group, as fuse2fs-style and ntfs-3g mounts of foreign disks do, so that the person who mounted
 * an image from another machine can use it as their own.
 *
 * <p>The kernel checks permissions (default_permissions) against what it is shown. So that the
 * core, which checks again against the on-disk owners, agrees with the kernel, a request from the
 * shown identity is carried out with the on-disk owner and group of the inode it acts on (for a
 * creation, removal, rename or lookup: of the directory). Consequences for writes: a new file,
 * directory, symlink or node takes its directory's on-disk owner and group (so a later mount
 * without uid= shows it like its neighbours); chmod and utimes act as the on-disk owner;
 * chown/chgrp write the on-disk ids under the core's rules for that owner, while stat keeps
 * showing the overridden ones. Requests from anyone else (with allow_other) keep their own
 * credentials, so they need the permission both the kernel (against the shown owner) and the
 * core (against the on-disk owner) grant. Root is never remapped.
 *
 * <p>The override has exactly the capabilities of what it wraps ({@link #writable()},
 * {@link #iomap()}): an iomap kernel maps the mounter's writes through it, as the on-disk owner.
 * What it does not override passes through unchanged ({@link ForwardingFileSystem}).
 */
public final class OwnerOverride extends ForwardingFileSystem {
    private final OptionalLong uid;
    private final OptionalLong gid;

    /** Shows {@code fs} with the given owner and/or group; an empty one keeps the on-disk value. */
    public OwnerOverride(InodeFileSystem fs, OptionalLong uid, OptionalLong gid) {
        super(fs);
        this.uid = uid;
        this.gid = gid;
    }

    /** {@code fs} itself when the options override nothing, else {@code fs} behind an override. */
    public static InodeFileSystem apply(InodeFileSystem fs, MountOptions options) {
        return options.overridesOwner() ? new OwnerOverride(fs, options.ownerUid(), options.ownerGid()) : fs;
    }

    /** The attributes as the mount shows them. */
    Attributes shown(Attributes a) {
        return new Attributes(a.ino(), a.type(), a.mode(), a.nlink(), uid.orElse(a.uid()), gid.orElse(a.gid()), a.size(),
                a.blocks512(), a.blockSize(), a.atime(), a.mtime(), a.ctime(), a.crtime(), a.rdevMajor(), a.rdevMinor(),
                a.generation(), a.flags());
    }

    private Created shown(Created c) {
        return new Created(shown(c.attributes()), c.handle());
    }

    /**
     * The credentials the core sees for {@code caller} acting on inode {@code ino}: the shown
     * identity becomes the inode's on-disk owner (and group), everyone else stays as is.
     */
    Caller onDisk(Caller caller, long ino) {
        if (caller.isRoot()) {
            return caller;
        }
        boolean asOwner = uid.isPresent() && caller.uid() == uid.getAsLong();
        boolean asGroup = gid.isPresent() && caller.inGroup(gid.getAsLong());
        if (!asOwner && !asGroup) {
            return caller;
        }
        Attributes real = fs.getattr(ino);
        long[] groups = caller.groups();
        long effectiveGid = caller.gid();
        if (asGroup) {
            groups = java.util.Arrays.copyOf(groups, groups.length + 1);
            groups[groups.length - 1] = real.gid();
            if (caller.gid() == gid.getAsLong()) {
                effectiveGid = real.gid();
            }
        }
        return new Caller(asOwner ? real.uid() : caller.uid(), effectiveGid, groups, caller.pid());
    }

    @Override
    public Attributes lookup(Caller caller, long parent, byte[] name) {
        return shown(fs.lookup(onDisk(caller, parent), parent, name));
    }

    @Override
    public Attributes getattr(long ino) {
        return shown(fs.getattr(ino));
    }

    @Override
    public Attributes getattrByHandle(long ino) {
        return shown(fs.getattrByHandle(ino));
    }

    @Override
    public long opendir(Caller caller, long ino) {
        return fs.opendir(onDisk(caller, ino), ino);
    }

    @Override
    public long open(Caller caller, long ino, int flags) {
        return fs.open(onDisk(caller, ino), ino, flags);
    }

    @Override
    public void access(Caller caller, long ino, int mask) {
        fs.access(onDisk(caller, ino), ino, mask);
    }

    @Override
    public Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        return shown(inner().create(onDisk(caller, parent), parent, name, mode, umask, flags));
    }

    @Override
    public Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        return shown(inner().mknod(onDisk(caller, parent), parent, name, mode, umask, rdevMajor, rdevMinor));
    }

    @Override
    public Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        return shown(inner().mkdir(onDisk(caller, parent), parent, name, mode, umask));
    }

    @Override
    public Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        return shown(inner().symlink(onDisk(caller, parent), parent, name, target));
    }

    @Override
    public Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        return shown(inner().link(onDisk(caller, newParent), ino, newParent, newName));
    }

    @Override
    public void unlink(Caller caller, long parent, byte[] name) {
        inner().unlink(onDisk(caller, parent), parent, name);
    }

    @Override
    public void rmdir(Caller caller, long parent, byte[] name) {
        inner().rmdir(onDisk(caller, parent), parent, name);
    }

    @Override
    public void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        inner().rename(onDisk(caller, parent), parent, name, newParent, newName, flags);
    }

    @Override
    public int write(Caller caller, long ino, long handle, long offset, byte[] src, int srcOff, int len) {
        return inner().write(onDisk(caller, ino), ino, handle, offset, src, srcOff, len);
    }

    @Override
    public Attributes setattr(Caller caller, long ino, long handle, SetAttr changes) {
        return shown(inner().setattr(onDisk(caller, ino), ino, handle, changes));
    }

    @Override
    public void fallocate(Caller caller, long ino, long handle, int mode, long offset, long length) {
        inner().fallocate(onDisk(caller, ino), ino, handle, mode, offset, length);
    }

    @Override
    public void setxattr(Caller caller, long ino, String name, byte[] value, int flags) {
        inner().setxattr(onDisk(caller, ino), ino, name, value, flags);
    }

    @Override
    public void removexattr(Caller caller, long ino, String name) {
        inner().removexattr(onDisk(caller, ino), ino, name);
    }

    @Override
    public Attributes setflags(Caller caller, long ino, int flags) {
        return shown(inner().setflags(onDisk(caller, ino), ino, flags));
    }

    @Override
    public Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        return shown(inner().tmpfile(onDisk(caller, parent), parent, mode, umask, flags));
    }

    @Override
    public MappedExtent mapForWrite(Caller caller, long ino, long pos, long count, boolean fileWrite) {
        return mapper().mapForWrite(onDisk(caller, ino), ino, pos, count, fileWrite);
    }
}
