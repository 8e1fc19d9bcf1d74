package org.ext4j.highlevel.path;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.ext4j.core.spi.Attributes;

/**
 * Open files that libfuse hid instead of unlinking them: the hidden path libfuse keeps using, to
 * the inode it stands for, and how such a path is recognised.
 *
 * <p>libfuse's high-level API answers a GETATTR for a node that lost its name with ESTALE before
 * asking the filesystem, and the kernel sends fstat(2) without the file handle: with libfuse
 * removing the name at unlink (hard_remove), fstat of an unlinked open file failed. So the
 * backend lets libfuse hide such a file instead (it renames it to
 * ".fuse_hidden" + 16 hex digits in the same directory and unlinks that name at the last
 * release) and {@link PathOperations} carries the rename out as the unlink it stands for: the
 * name goes, the core keeps the inode on its orphan list while open, and the hidden path, which
 * no directory lists, resolves to the inode until libfuse lets go of it. A rename without flags,
 * in one directory, to such a name is taken for a hide whether or not a handle is still open
 * there: with nullpath_ok libfuse's RELEASE holds no path lock, so a release can drop the last
 * handle just before libfuse, whose open count has not yet gone down, hides the file (seen as a
 * .fuse_hidden file left on the image by a parallel unlink and close).
 */
final class HiddenFiles {
    private static final byte[] HIDDEN_PREFIX = ".fuse_hidden".getBytes(StandardCharsets.US_ASCII);
    private static final int HIDDEN_DIGITS = 16;

    /** The hidden path libfuse keeps using, to the inode. */
    private final ConcurrentHashMap<String, Long> hidden = new ConcurrentHashMap<>();

    /** True when renaming {@code from} to {@code to} keeps the directory and gives a hidden name. */
    static boolean isHidingRename(byte[] from, byte[] to) {
        int slash = lastSlash(to);
        return slash >= 0 && slash == lastSlash(from) && Arrays.equals(from, 0, slash, to, 0, slash)
                && isHiddenName(to, slash + 1);
    }

    /** True when the name at {@code start} of {@code path} is ".fuse_hidden" and 16 lower-case hex digits. */
    static boolean isHiddenName(byte[] path, int start) {
        if (path.length - start != HIDDEN_PREFIX.length + HIDDEN_DIGITS
                || !Arrays.equals(path, start, start + HIDDEN_PREFIX.length, HIDDEN_PREFIX, 0,
                        HIDDEN_PREFIX.length)) {
            return false;
        }
        for (int i = start + HIDDEN_PREFIX.length; i < path.length; i++) {
            byte b = path[i];
            if (!(b >= '0' && b <= '9' || b >= 'a' && b <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** libfuse hid inode {@code ino} (now unlinked) at {@code path}. */
    void hid(byte[] path, long ino) {
        hidden.put(text(path), ino);
    }

    /** The inode hidden at {@code path}, or null when none is. */
    Long inode(byte[] path) {
        return hidden.isEmpty() ? null : hidden.get(text(path));
    }

    /**
     * libfuse's unlink of {@code path}: true when it is a hidden path, which libfuse lets go of
     * at its last release (the file was unlinked when it was hidden, and freed by that release).
     */
    boolean release(byte[] path) {
        return !hidden.isEmpty() && hidden.remove(text(path)) != null;
    }

    /** {@code a}, the attributes of the file at {@code path} (null when not known), as the kernel is to see them. */
    Attributes shown(byte[] path, Attributes a) {
        if (!hidden.isEmpty() && path != null && hidden.containsKey(text(path))) {
            // libfuse takes one off the link count of a node it hid (for its hidden name, which
            // here is no link): one more, so that what the kernel shows is the inode's own.
            return new Attributes(a.ino(), a.type(), a.mode(), a.nlink() + 1, a.uid(), a.gid(), a.size(),
                    a.blocks512(), a.blockSize(), a.atime(), a.mtime(), a.ctime(), a.crtime(), a.rdevMajor(),
                    a.rdevMinor(), a.generation(), a.flags());
        }
        return a;
    }

    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    private static String text(byte[] path) {
        return new String(path, StandardCharsets.ISO_8859_1);
    }
}
