package org.ext4j.highlevel.path;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;

/**
 * Which kernel inodes hold attributes that a change left stale, so that the kernel may cache
 * attributes (attr_timeout) without ever showing old ones.
 *
 * <p>The high-level API gives every path its own kernel inode, so a file with several hard
 * links has one kernel inode per name. The kernel refreshes the one a change went through; the
 * others would keep the old size, times and link count until their attributes time out. Every
 * path through which such a file was seen (getattr, which is also what a kernel lookup becomes,
 * and link) is kept here while the file has more than one name; after a change, those paths are
 * handed to the {@link Invalidator} (libfuse's {@code fuse_invalidate_path}). Renames carry the
 * kept paths along (a renamed directory moves every path below it); unlinks drop them.
 *
 * <p>A change the kernel does not see as one (an inode-flags ioctl: its fileattr_set refreshes
 * nothing) also invalidates the path it came through.
 */
public final class StaleAttributes {
    /** Asks the kernel to drop its cached attributes of the inode at a path (libfuse's fuse_invalidate_path). */
    @FunctionalInterface
    public interface Invalidator {
        /** Nothing is cached at {@code path} is no error: the kernel then has nothing stale. */
        void invalidate(byte[] path);
    }

    /** Invalidates nothing (until the mount sets the real one). */
    public static final Invalidator NONE = path -> { };

    private final Map<Long, Set<String>> pathsByInode = new ConcurrentHashMap<>();
    private final Map<String, Long> inodeByPath = new ConcurrentHashMap<>();
    private volatile Invalidator invalidator = NONE;

    /** Sets the invalidator (once libfuse's session exists). */
    public void setInvalidator(Invalidator invalidator) {
        this.invalidator = invalidator;
    }

    /** {@code path} was seen with attributes {@code a}: kept while the file has more than one name. */
    public void seen(byte[] path, Attributes a) {
        if (a.nlink() > 1 && a.type() != FileType.DIRECTORY) {
            keep(text(path), a.ino());
        }
    }

    /** {@code newPath} is a new name of {@code ino}, which {@code existing} names too. */
    public void linked(byte[] existing, byte[] newPath, long ino) {
        keep(text(existing), ino);
        keep(text(newPath), ino);
    }

    /**
     * {@code ino} changed through the kernel inode at {@code through} (null when not known),
     * which the kernel refreshes itself: every other name of it is invalidated. The one the
     * change came through never is: the kernel may hold its pages locked until this request is
     * answered, and invalidating them would wait for that forever.
     */
    public void changedExcept(long ino, byte[] through) {
        Set<String> paths = pathsByInode.get(ino);
        if (paths == null) {
            return;
        }
        String skip = through == null ? null : text(through);
        for (String p : paths) {
            if (!p.equals(skip)) {
                invalidator.invalidate(bytes(p));
            }
        }
    }

    /**
     * {@code ino} changed where the kernel does not notice (an ioctl, a link: neither holds the
     * inode's pages): the name it came through ({@code through}, if known) and every other one.
     */
    public void changedUnnoticed(long ino, byte[] through) {
        if (through != null) {
            invalidator.invalidate(through);
        }
        changedExcept(ino, through);
    }

    /** The name at {@code path} is gone (unlink, or replaced by a rename); the other names of its file changed. */
    public void removed(byte[] path) {
        String p = text(path);
        Long ino = inodeByPath.remove(p);
        if (ino == null) {
            return;
        }
        pathsByInode.computeIfPresent(ino, (k, set) -> {
            set.remove(p);
            return set.isEmpty() ? null : set;
        });
        changedExcept(ino, null);
    }

    /**
     * {@code from} now is {@code to}, and so is every kept path below it; the other names of the
     * moved file are invalidated (a rename moves its ctime).
     */
    public void renamed(byte[] from, byte[] to) {
        if (inodeByPath.isEmpty()) {
            return;
        }
        move(text(from), text(to));
        Long ino = inodeByPath.get(text(to));
        if (ino != null) {
            changedExcept(ino, to);
        }
    }

    /** RENAME_EXCHANGE of {@code a} and {@code b}: each takes the other's paths, and both files' other names changed. */
    public void exchanged(byte[] a, byte[] b) {
        if (inodeByPath.isEmpty()) {
            return;
        }
        // NUL never occurs in a path: a name no kept path can have, to swap through.
        String parked = "\0" + text(a);
        move(text(a), parked);
        move(text(b), text(a));
        move(parked, text(b));
        for (byte[] p : new byte[][] {a, b}) {
            Long ino = inodeByPath.get(text(p));
            if (ino != null) {
                changedExcept(ino, p);
            }
        }
    }

    /** {@code path} moved by a rename of {@code from} to {@code to}, or null when the rename did not move it. */
    public static byte[] moved(byte[] path, byte[] from, byte[] to) {
        if (path == null || path.length < from.length) {
            return null;
        }
        for (int i = 0; i < from.length; i++) {
            if (path[i] != from[i]) {
                return null;
            }
        }
        if (path.length > from.length && path[from.length] != '/') {
            return null;
        }
        byte[] out = new byte[to.length + path.length - from.length];
        System.arraycopy(to, 0, out, 0, to.length);
        System.arraycopy(path, from.length, out, to.length, path.length - from.length);
        return out;
    }

    private void move(String from, String to) {
        String below = from + "/";
        List<Map.Entry<String, Long>> moving = new ArrayList<>();
        for (Map.Entry<String, Long> e : inodeByPath.entrySet()) {
            if (e.getKey().equals(from) || e.getKey().startsWith(below)) {
                moving.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        for (Map.Entry<String, Long> e : moving) {
            forget(e.getKey(), e.getValue());
            keep(to + e.getKey().substring(from.length()), e.getValue());
        }
    }

    /** How many paths are kept (for tests). */
    int size() {
        return inodeByPath.size();
    }

    private void keep(String path, long ino) {
        Long previous = inodeByPath.put(path, ino);
        if (previous != null && previous != ino) {
            forget(path, previous);
            inodeByPath.put(path, ino);
        }
        pathsByInode.computeIfAbsent(ino, k -> ConcurrentHashMap.newKeySet()).add(path);
    }

    private void forget(String path, long ino) {
        inodeByPath.remove(path, ino);
        pathsByInode.computeIfPresent(ino, (k, set) -> {
            set.remove(path);
            return set.isEmpty() ? null : set;
        });
    }

    private static String text(byte[] path) {
        return new String(path, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String path) {
        return path.getBytes(StandardCharsets.ISO_8859_1);
    }
}
