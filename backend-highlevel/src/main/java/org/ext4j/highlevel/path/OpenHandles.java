package org.ext4j.highlevel.path;

import java.util.concurrent.ConcurrentHashMap;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * The files and directories open through {@link PathOperations}, by the handle ({@code fh}) the
 * core gave out: the inode each was opened on, and the path it is known by now (renames carry it
 * along), so that a change through a handle never invalidates the kernel inode it came through
 * (whose pages the kernel may hold locked for this very request).
 */
final class OpenHandles {
    /** An open file or directory. */
    static final class Handle {
        final long ino;
        volatile byte[] path;

        Handle(long ino, byte[] path) {
            this.ino = ino;
            this.path = path;
        }
    }

    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();

    /** Keeps {@code handle}, opened on {@code ino} through {@code path}, and returns it. */
    long register(long handle, long ino, byte[] path) {
        handles.put(handle, new Handle(ino, path));
        return handle;
    }

    /** The open handle {@code fh}; EBADF when it is not open. */
    Handle get(long fh) {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new Ext4Exception(Errno.EBADF, "no open handle " + fh);
        }
        return h;
    }

    /** The inode open handle {@code fh} was opened on; EBADF when it is not open. */
    long inode(long fh) {
        return get(fh).ino;
    }

    /** The open handle {@code fh}, or null for {@link PathOperations#NO_HANDLE} and a handle not open. */
    Handle find(long fh) {
        return fh == PathOperations.NO_HANDLE ? null : handles.get(fh);
    }

    /** The path open handle {@code fh} is known by now, or null where {@link #find} finds none. */
    byte[] path(long fh) {
        Handle h = find(fh);
        return h != null ? h.path : null;
    }

    /** Lets go of {@code fh}: the handle it was, or null when it was not open. */
    Handle remove(long fh) {
        return handles.remove(fh);
    }

    /** Open handles follow their file (or a directory above it) to its new path. */
    void renamed(byte[] from, byte[] to, boolean exchange) {
        for (Handle h : handles.values()) {
            byte[] p = h.path;
            byte[] moved = StaleAttributes.moved(p, from, to);
            if (moved == null && exchange) {
                moved = StaleAttributes.moved(p, to, from);
            }
            if (moved != null) {
                h.path = moved;
            }
        }
    }
}
