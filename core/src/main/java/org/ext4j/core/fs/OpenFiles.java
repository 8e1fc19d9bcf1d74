package org.ext4j.core.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.tx.Transaction;

/**
 * The open files of a volume and what keeps an inode alive: file handles, the references each
 * inode has (open handles and the kernel's lookups), and the inodes without a link that are
 * still referenced (unlinked while open, or O_TMPFILE), which sit on the on-disk orphan list and
 * are freed when their last reference goes.
 */
final class OpenFiles {
    private final MountState mount;
    private final AtomicLong nextHandle = new AtomicLong();
    private final ConcurrentHashMap<Long, OpenFile> openFiles = new ConcurrentHashMap<>();
    /** Open handles and kernel references per inode. */
    private final ConcurrentHashMap<Long, Integer> openCounts = new ConcurrentHashMap<>();
    /**
     * Inodes without a link that are open (unlinked while open, or O_TMPFILE): on the on-disk
     * orphan list, freed when their last handle is released.
     */
    private final Set<Long> unlinkedOpen = ConcurrentHashMap.newKeySet();
    /** O_TMPFILE inodes opened without O_EXCL and not linked yet: the kernel's I_LINKABLE. */
    private final Set<Long> linkable = ConcurrentHashMap.newKeySet();

    OpenFiles(MountState mount) {
        this.mount = mount;
    }

    /** An open file: its inode and open(2) flags. */
    record OpenFile(long ino, int flags) {
        boolean writable() {
            return (flags & InodeFileSystem.O_ACCMODE) != InodeFileSystem.O_RDONLY;
        }

        boolean append() {
            return (flags & WritableFileSystem.O_APPEND) != 0;
        }
    }

    /** A handle number for a directory listing (directories keep no state per handle). */
    long nextDirectoryHandle() {
        return nextHandle.incrementAndGet();
    }

    /** Records an open handle of inode {@code ino}; the inode stays alive until its last handle is released. */
    long register(long ino, int flags) {
        long handle = nextHandle.incrementAndGet();
        openFiles.put(handle, new OpenFile(ino, flags));
        openCounts.merge(ino, 1, Integer::sum);
        return handle;
    }

    /** The open file {@code handle}, which must be one of {@code ino} (EBADF otherwise). */
    OpenFile get(long ino, long handle) {
        OpenFile file = openFiles.get(handle);
        if (file == null || file.ino() != ino) {
            throw new Ext4Exception(Errno.EBADF, "no open file " + handle + " for inode " + ino);
        }
        return file;
    }

    /** True when {@code handle} is open for writing (ftruncate through it needs no write permission). */
    boolean isWritableHandle(long handle) {
        OpenFile file = handle >= 0 ? openFiles.get(handle) : null;
        return file != null && file.writable();
    }

    /** True for an inode without a link that something still references (see {@link #unlinkedOpen}). */
    boolean isUnlinkedOpen(long ino) {
        return unlinkedOpen.contains(ino);
    }

    /** True for an O_TMPFILE inode that {@code link} may give its first name. */
    boolean isLinkable(long ino) {
        return linkable.contains(ino);
    }

    /** Releasing the last handle of an inode whose last link is gone frees it. */
    void release(long handle) {
        OpenFile file = openFiles.remove(handle);
        if (file == null) {
            return;
        }
        Integer left = openCounts.computeIfPresent(file.ino(), (k, n) -> n > 1 ? n - 1 : null);
        // Read-only (remounted so): the orphan list keeps it, for close or the next read-write open.
        if (left == null && unlinkedOpen.contains(file.ino()) && !mount.fs.isReadOnly()) {
            freeOrphan(file.ino());
        }
    }

    /** A kernel reference, counted with the open handles. */
    void retain(long ino) {
        openCounts.merge(ino, 1, Integer::sum);
    }

    void forget(long ino) {
        Integer left = openCounts.computeIfPresent(ino, (k, n) -> n > 1 ? n - 1 : null);
        if (left == null && unlinkedOpen.contains(ino) && !mount.fs.isReadOnly()) {
            freeOrphan(ino);
        }
    }

    /**
     * Drops one reference of each inode; those whose last reference goes and whose last link is
     * gone are taken off the orphan list and freed in one transaction.
     */
    void forgetAll(long[] inos) {
        List<Long> free = new ArrayList<>();
        for (long ino : inos) {
            Integer left = openCounts.computeIfPresent(ino, (k, n) -> n > 1 ? n - 1 : null);
            if (left == null && unlinkedOpen.contains(ino) && !mount.fs.isReadOnly()) {
                free.add(ino);
            }
        }
        if (free.isEmpty()) {
            return;
        }
        try (Transaction tx = mount.transactions().begin()) {
            for (long ino : free) {
                mount.orphans.remove(tx, ino);
                mount.namespace().release(tx, ino);
            }
            tx.commit();
        }
        for (long ino : free) {
            unlinkedOpen.remove(ino);
            linkable.remove(ino);
        }
    }

    /** Takes inode {@code ino} off the orphan list and frees it, in one transaction. */
    private void freeOrphan(long ino) {
        // Only the caller that takes the inode out of the set frees it, and it does so before the
        // inode can be freed and handed out again: a later unlink of the reused number must not
        // lose its own entry to this one. If freeing fails the inode stays an orphan, as before.
        if (!unlinkedOpen.remove(ino)) {
            return;
        }
        boolean wasLinkable = linkable.remove(ino);
        boolean freed = false;
        try (Transaction tx = mount.transactions().begin()) {
            mount.orphans.remove(tx, ino);
            mount.namespace().release(tx, ino);
            tx.commit();
            freed = true;
        } finally {
            if (!freed) {
                unlinkedOpen.add(ino);
                if (wasLinkable) {
                    linkable.add(ino);
                }
            }
        }
    }

    /**
     * Frees {@code ino} now, or if it is open puts it on the orphan list in {@code tx} and frees
     * it when its last handle closes (-1: nothing to free). A crash before that close leaves it
     * on the list for the next read-write open (or e2fsck) to free.
     */
    void releaseOrDefer(Transaction tx, long ino) {
        if (ino < 0) {
            return;
        }
        if (openCounts.containsKey(ino)) {
            ReleaseCheck.requireReleasable(mount.fs, tx, ino);
            mount.orphans.add(tx, ino);
            unlinkedOpen.add(ino);
        } else {
            mount.namespace().release(tx, ino);
        }
    }

    /** A new O_TMPFILE inode, already on the orphan list: linkable when opened without O_EXCL. */
    void addTmpfile(long ino, boolean mayLink) {
        unlinkedOpen.add(ino);
        if (mayLink) {
            linkable.add(ino);
        }
    }

    /** An O_TMPFILE inode got its first name (and left the orphan list in that transaction). */
    void linked(long ino) {
        linkable.remove(ino);
        unlinkedOpen.remove(ino);
    }

    /** Frees every inode only the open handles kept alive (as their last close would). */
    void freeUnlinked() {
        for (Long ino : List.copyOf(unlinkedOpen)) {
            freeOrphan(ino);
        }
    }

    void clear() {
        openFiles.clear();
        openCounts.clear();
    }
}
