package org.ext4j.dist;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * Resolves a path inside an image to an inode, one name at a time through
 * {@link InodeFileSystem#lookup}, following symbolic links the way path resolution in the
 * kernel does (relative targets from the link's directory, absolute ones from the image root,
 * at most {@value #MAX_SYMLINKS} links per resolution).
 */
public final class PathWalker {
    /** Symbolic links followed in one resolution before ELOOP (the kernel's MAXSYMLINKS). */
    public static final int MAX_SYMLINKS = 40;

    private final InodeFileSystem fs;
    private final Caller caller;

    public PathWalker(InodeFileSystem fs, Caller caller) {
        this.fs = fs;
        this.caller = caller;
    }

    /**
     * Resolves {@code path} (absolute, or relative to the root). With {@code followFinal} a
     * symbolic link as the last component is followed (stat), otherwise it is returned itself
     * (lstat). A trailing '/' requires a directory and follows a final link, as in POSIX.
     *
     * @throws Ext4Exception ENOENT, ENOTDIR, ELOOP, or whatever lookup reports
     */
    public Attributes resolve(String path, boolean followFinal) {
        boolean trailingSlash = path.length() > 1 && path.endsWith("/");
        Deque<String> pending = new ArrayDeque<>();
        pushComponents(pending, path);
        // The directories walked through, innermost last: ".." pops, so it never escapes the root
        // and after a followed link it leads to the parent of where the link pointed.
        Deque<Attributes> dirs = new ArrayDeque<>();
        Attributes root = fs.getattr(InodeFileSystem.ROOT_INO);
        dirs.addLast(root);
        Attributes current = root;
        int links = 0;
        while (!pending.isEmpty()) {
            String name = pending.removeFirst();
            if (current.type() != FileType.DIRECTORY) {
                throw new Ext4Exception(Errno.ENOTDIR, "not a directory on the way to " + path);
            }
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (dirs.size() > 1) {
                    dirs.removeLast();
                }
                current = dirs.peekLast();
                continue;
            }
            Attributes next = fs.lookup(caller, current.ino(), name.getBytes(StandardCharsets.UTF_8));
            boolean last = pending.isEmpty();
            if (next.type() == FileType.SYMLINK && (!last || followFinal || trailingSlash)) {
                if (++links > MAX_SYMLINKS) {
                    throw new Ext4Exception(Errno.ELOOP, "more than " + MAX_SYMLINKS + " symbolic links resolving " + path);
                }
                String target = new String(fs.readlink(next.ino()), StandardCharsets.UTF_8);
                if (target.isEmpty()) {
                    throw new Ext4Exception(Errno.ENOENT, "empty symbolic link target in " + path);
                }
                if (target.startsWith("/")) {
                    while (dirs.size() > 1) {
                        dirs.removeLast();
                    }
                    current = root;
                }
                pushComponents(pending, target);
                continue;
            }
            if (next.type() == FileType.DIRECTORY) {
                dirs.addLast(next);
            }
            current = next;
        }
        if (trailingSlash && current.type() != FileType.DIRECTORY) {
            throw new Ext4Exception(Errno.ENOTDIR, path + " is not a directory");
        }
        return current;
    }

    /** Puts the names of {@code path} in front of {@code pending}, in order; empty names vanish. */
    private static void pushComponents(Deque<String> pending, String path) {
        String[] names = path.split("/");
        for (int i = names.length - 1; i >= 0; i--) {
            if (!names[i].isEmpty()) {
                pending.addFirst(names[i]);
            }
        }
    }
}
