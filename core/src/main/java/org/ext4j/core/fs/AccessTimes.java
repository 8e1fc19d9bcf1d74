package org.ext4j.core.fs;

import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeEditor;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;

/**
 * touch_atime after a read, a directory listing or a readlink: the access time becomes now
 * when the atime mode asks for it, in a small transaction of its own that joins the running
 * one. Nothing happens on a read-only volume, for an inode flagged NOATIME or a handle opened
 * O_NOATIME, or when now is what is stored already. The decision is made on the committed
 * inode first so that most reads take no transaction at all.
 */
final class AccessTimes {
    /** relatime still updates an access time that is this old (a day), whatever mtime and ctime say. */
    private static final long RELATIME_MAX_AGE_SECONDS = 24 * 60 * 60;

    private final MountState mount;
    private final LiveInodes inodes;

    AccessTimes(MountState mount, LiveInodes inodes) {
        this.mount = mount;
        this.inodes = inodes;
    }

    /** {@code inode} was read, listed or followed; {@code noatimeHandle} when through an O_NOATIME handle. */
    void accessed(Inode inode, boolean noatimeHandle) {
        Ext4FileSystem fs = mount.fs;
        if (fs.isReadOnly() || noatimeHandle || inode.hasFlag(InodeFlags.EXT4_NOATIME_FL)
                || inode.isDirectory() && fs.noDirAtime()) {
            return;
        }
        Timestamp now = mount.now();
        // After a failed commit the kernel skips the update and lets the read succeed; so do we.
        if (!atimeNeedsUpdate(inode, now) || !fs.transactions().acceptsHandles()) {
            return;
        }
        long ino = inode.ino();
        try (Transaction tx = fs.transactions().begin()) {
            Inode current = InodeStore.read(tx, ino);
            // Freed or replaced since the caller read it: there is nothing left to touch.
            if (inodes.inUse(current) && atimeNeedsUpdate(current, now)) {
                InodeStore.write(tx, ino, new InodeEditor(current).atime(now).raw());
                tx.commit();
            }
        }
    }

    /** atime_needs_update for the volume's {@link AtimeMode} (relatime_need_update for RELATIME). */
    private boolean atimeNeedsUpdate(Inode inode, Timestamp now) {
        Timestamp atime = inode.atime();
        switch (mount.fs.atimeMode()) {
            case NOATIME:
                return false;
            case RELATIME:
                boolean stale = compare(inode.mtime(), atime) >= 0 || compare(inode.ctime(), atime) >= 0
                        || now.seconds() - atime.seconds() >= RELATIME_MAX_AGE_SECONDS;
                return stale && !atime.equals(now);
            default:
                return !atime.equals(now);
        }
    }

    private static int compare(Timestamp a, Timestamp b) {
        int bySeconds = Long.compare(a.seconds(), b.seconds());
        return bySeconds != 0 ? bySeconds : Integer.compare(a.nanos(), b.nanos());
    }
}
