package org.ext4j.dist;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;

/**
 * A name inside a directory of an image: where the write commands create, remove or rename
 * something. The directory is resolved following links; the name itself is not looked up.
 *
 * @param parent the directory the name is in
 * @param name   the last component of the path (never empty, "." or "..")
 */
record ImagePlace(Attributes parent, String name) {

    /**
     * Splits {@code path} into its directory (resolved) and last name.
     *
     * @throws Ext4Exception EBUSY for the root itself, EINVAL for a path ending in "." or "..",
     *         or whatever resolving the directory reports (ENOENT, ENOTDIR, ELOOP)
     */
    static ImagePlace of(InodeFileSystem fs, String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        int slash = p.lastIndexOf('/');
        String dir = slash <= 0 ? "/" : p.substring(0, slash);
        String name = p.substring(slash + 1);
        if (name.isEmpty()) {
            throw new Ext4Exception(Errno.EBUSY, "the root directory of the image");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new Ext4Exception(Errno.EINVAL, "a path ending in '" + name + "' names no entry to change");
        }
        Attributes parent = new PathWalker(fs, Caller.ROOT).resolve(dir, true);
        if (parent.type() != FileType.DIRECTORY) {
            throw new Ext4Exception(Errno.ENOTDIR, dir + " is not a directory");
        }
        return new ImagePlace(parent, name);
    }

    /** The name as the bytes the filesystem stores. */
    byte[] nameBytes() {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** The entry at this place, without following a link; empty when there is none. */
    Optional<Attributes> lookup(InodeFileSystem fs) {
        try {
            return Optional.of(fs.lookup(Caller.ROOT, parent.ino(), nameBytes()));
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
