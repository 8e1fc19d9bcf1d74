package org.ext4j.core.fs;

import static org.ext4j.core.spi.InodeFileSystem.O_ACCMODE;
import static org.ext4j.core.spi.InodeFileSystem.O_RDONLY;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.ext4j.core.dir.DirEntry;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.xattr.XattrReader;

/**
 * The calls on names: lookup and directory listing, and the changes (create, mknod, mkdir,
 * symlink, link, unlink, rmdir, rename, O_TMPFILE), each in one transaction over the
 * {@link Namespace} rules. An inode whose last link goes while it is open stays on the orphan
 * list until its last handle is released (see {@link OpenFiles}).
 */
final class NamespaceOperations {
    private final MountState mount;
    private final LiveInodes inodes;
    private final OpenFiles openFiles;
    private final AccessTimes accessTimes;
    private final FileData fileData;

    NamespaceOperations(MountState mount, LiveInodes inodes, OpenFiles openFiles, AccessTimes accessTimes, FileData fileData) {
        this.mount = mount;
        this.inodes = inodes;
        this.openFiles = openFiles;
        this.accessTimes = accessTimes;
        this.fileData = fileData;
    }

    /** Directory {@code ino}, named by the caller (ENOTDIR when it is something else). */
    private Inode liveDirectory(long ino) {
        return requireDirectory(inodes.liveInode(ino));
    }

    /** Directory {@code ino} as {@code tx} sees it (ENOTDIR when it is something else). */
    private Inode liveDirectory(Transaction tx, long ino) {
        return requireDirectory(inodes.liveInode(tx, ino));
    }

    private static Inode requireDirectory(Inode dir) {
        if (!dir.isDirectory()) {
            throw new Ext4Exception(Errno.ENOTDIR, "inode " + dir.ino() + " is not a directory");
        }
        return dir;
    }

    /** The attributes of the inode {@code name} in directory {@code parent} names (search permission needed). */
    Attributes lookup(Caller caller, long parent, byte[] name) {
        Inode dir = liveDirectory(parent);
        EntryChecks.checkName(name);
        Permissions.check(caller, dir, mount.xattrs, Permissions.X_OK);
        DirEntry entry = DirectoryReader.of(mount.fs, dir).lookup(name).orElseThrow(() -> new Ext4Exception(Errno.ENOENT,
                "no entry " + new String(name, StandardCharsets.UTF_8) + " in directory inode " + parent));
        Attributes a = inodes.attributes(inodes.entryTarget(parent, entry));
        if (entry.fileType() != FileType.UNKNOWN && entry.fileType() != a.type()) {
            throw new CorruptionException(CorruptionException.Structure.DIRECTORY, parent, CorruptionException.NO_BLOCK, "directory inode " + parent + ": entry " + entry.nameString() + " says "
                    + entry.fileType() + " but inode " + entry.ino() + " is " + a.type());
        }
        return a;
    }

    long opendir(Caller caller, long ino) {
        Inode dir = liveDirectory(ino);
        Permissions.check(caller, dir, mount.xattrs, Permissions.R_OK);
        return openFiles.nextDirectoryHandle();
    }

    /**
     * Lists a directory from {@code offset}. An indexed directory is listed in hash order with hash
     * cookies, any other in on-disk order with positions plus one as cookies ({@link
     * DirectoryReader#readdirFromCookie}). Names sharing a full hash share a cookie, so they are
     * returned in one call, even past {@code maxEntries} when they alone exceed it; each but the
     * last carries the group's own cookie, as the kernel's d_off does.
     */
    List<DirectoryEntry> readdir(long ino, long handle, long offset, int maxEntries) {
        if (offset < 0) {
            throw new Ext4Exception(Errno.EINVAL, "negative directory offset " + offset);
        }
        Inode dir = inodes.liveInode(ino);
        List<DirectoryEntry> out = new ArrayList<>();
        if (maxEntries <= 0) {
            return out;
        }
        DirectoryReader.of(mount.fs, dir).readdirFromCookie(offset, (group, cookie, nextCookie) -> {
            if (!out.isEmpty() && out.size() + group.size() > maxEntries) {
                return false;
            }
            for (int i = 0; i < group.size(); i++) {
                DirEntry e = group.get(i);
                out.add(new DirectoryEntry(e.ino(), e.name(), e.fileType(), i == group.size() - 1 ? nextCookie : cookie));
            }
            return out.size() < maxEntries;
        });
        accessTimes.accessed(dir, false);
        return out;
    }

    WritableFileSystem.Created create(Caller caller, long parent, byte[] name, int mode, int umask, int flags) {
        mount.requireWritable();
        long ino;
        try (Transaction tx = mount.transactions().begin()) {
            Inode dir = liveDirectory(tx, parent);
            Permissions.check(caller, dir, XattrReader.of(tx), Permissions.X_OK);
            EntryChecks.checkName(name);
            long existing = DirectoryReader.of(tx, dir).lookup(name).map(DirEntry::ino).orElse(-1L);
            if (existing >= 0) {
                if ((flags & WritableFileSystem.O_EXCL) != 0) {
                    throw new Ext4Exception(Errno.EEXIST, "file exists");
                }
                tx.abort();
                // Opened first: O_TRUNC truncates there, and the attributes must show it.
                long handle = fileData.open(caller, existing, flags);
                return new WritableFileSystem.Created(inodes.getattr(existing), handle);
            }
            ino = mount.namespace().mknod(tx, caller, parent, name, FileType.REGULAR.modeBits() | (mode & 07777), umask, 0, 0);
            tx.commit();
        }
        return new WritableFileSystem.Created(inodes.getattr(ino), openFiles.register(ino, flags));
    }

    Attributes mknod(Caller caller, long parent, byte[] name, int mode, int umask, int rdevMajor, int rdevMinor) {
        mount.requireWritable();
        return inTransaction(tx -> mount.namespace().mknod(tx, caller, parent, name, mode, umask, rdevMajor, rdevMinor));
    }

    Attributes mkdir(Caller caller, long parent, byte[] name, int mode, int umask) {
        mount.requireWritable();
        return inTransaction(tx -> mount.namespace().mkdir(tx, caller, parent, name, mode, umask));
    }

    Attributes symlink(Caller caller, long parent, byte[] name, byte[] target) {
        mount.requireWritable();
        return inTransaction(tx -> mount.namespace().symlink(tx, caller, parent, name, target));
    }

    /**
     * Gives inode {@code ino} another name. Linking an O_TMPFILE inode (opened without O_EXCL)
     * gives it its first name and takes it off the orphan list in the same transaction.
     */
    Attributes link(Caller caller, long ino, long newParent, byte[] newName) {
        mount.requireWritable();
        boolean tmpfile = openFiles.isLinkable(ino);
        try (Transaction tx = mount.transactions().begin()) {
            mount.namespace().link(tx, caller, ino, newParent, newName, tmpfile);
            if (tmpfile) {
                mount.orphans.remove(tx, ino);
            }
            tx.commit();
        }
        if (tmpfile) {
            openFiles.linked(ino);
        }
        return inodes.getattr(ino);
    }

    void unlink(Caller caller, long parent, byte[] name) {
        mount.requireWritable();
        try (Transaction tx = mount.transactions().begin()) {
            openFiles.releaseOrDefer(tx, mount.namespace().unlink(tx, caller, parent, name));
            tx.commit();
        }
    }

    void rmdir(Caller caller, long parent, byte[] name) {
        mount.requireWritable();
        try (Transaction tx = mount.transactions().begin()) {
            // A directory the kernel still holds (a process's working directory, an open fd)
            // stays, empty and on the orphan list, until its last reference goes, as in ext4.
            openFiles.releaseOrDefer(tx, mount.namespace().rmdir(tx, caller, parent, name));
            tx.commit();
        }
    }

    void rename(Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
        mount.requireWritable();
        try (Transaction tx = mount.transactions().begin()) {
            openFiles.releaseOrDefer(tx, mount.namespace().rename(tx, caller, parent, name, newParent, newName, flags));
            tx.commit();
        }
    }

    /** Runs a namespace change that yields an inode in one transaction and returns that inode's attributes. */
    private Attributes inTransaction(ToLongFunction<Transaction> change) {
        long ino;
        try (Transaction tx = mount.transactions().begin()) {
            ino = change.applyAsLong(tx);
            tx.commit();
        }
        return inodes.getattr(ino);
    }

    /**
     * Creates an unnamed file in {@code parent} and opens it. The new inode goes on the orphan list
     * in the transaction that allocates it, so a crash while it is open frees it at the next
     * read-write open.
     */
    WritableFileSystem.Created tmpfile(Caller caller, long parent, int mode, int umask, int flags) {
        mount.requireWritable();
        if ((flags & O_ACCMODE) == O_RDONLY) {
            throw new Ext4Exception(Errno.EINVAL, "O_TMPFILE needs O_WRONLY or O_RDWR");
        }
        long ino;
        try (Transaction tx = mount.transactions().begin()) {
            Inode dir = liveDirectory(tx, parent);
            ino = mount.namespace().tmpfile(tx, caller, parent, mode, umask);
            mount.orphans.add(tx, ino);
            tx.commit();
        }
        openFiles.addTmpfile(ino, (flags & WritableFileSystem.O_EXCL) == 0);
        long handle = openFiles.register(ino, flags & ~WritableFileSystem.O_EXCL);
        return new WritableFileSystem.Created(inodes.getattr(ino), handle);
    }
}
