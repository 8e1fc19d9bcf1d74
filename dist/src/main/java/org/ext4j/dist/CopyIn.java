package org.ext4j.dist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.DevT;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * The copy-in half of {@code ext4j cp}: host files and trees written into a directory of an
 * image through {@link WritableFileSystem}, as cp(1) would write them onto a mounted filesystem.
 */
final class CopyIn {
    /** Bytes read from the host and written to the image per call. */
    static final int CHUNK = 1 << 20;

    /** S_IFMT and the type bits mknod takes. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int O_WRONLY = 1;

    /** What went wrong, reported by the command: the failing operand and the exception. */
    interface Failures {
        void failed(String what, Throwable e);

        void warn(String message);
    }

    private final PosixFileSystem fs;
    private final boolean recursive;
    private final boolean preserve;
    private final Failures failures;
    private final ImageFileReader.Progress progress;
    private final int umask;
    private final String image;
    private final byte[] chunk = new byte[CHUNK];
    private boolean xattrWarned;

    /** Image inode already made for each multiply-linked host inode, keyed "dev:ino". */
    private final Map<String, Long> linked = new HashMap<>();

    CopyIn(PosixFileSystem fs, String image, boolean recursive, boolean preserve, ImageFileReader.Progress progress,
            Failures failures) {
        this.fs = fs;
        this.image = image;
        this.recursive = recursive;
        this.preserve = preserve;
        this.progress = progress;
        this.failures = failures;
        this.umask = HostSystem.umask();
    }

    /**
     * Bytes of regular files under {@code source} (each counted per name), for the progress
     * total. Each directory is listed and closed before its subdirectories are, so a deep tree
     * holds neither Java stack nor file descriptors per level.
     */
    static long treeBytes(Path source, boolean recursive) throws IOException {
        if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            return Files.size(source);
        }
        if (!recursive || !Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long sum = 0;
        Deque<Path> pending = new ArrayDeque<>();
        pending.push(source);
        while (!pending.isEmpty()) {
            List<Path> children;
            try (Stream<Path> list = Files.list(pending.pop())) {
                children = list.toList();
            }
            for (Path p : children) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    sum += Files.size(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    pending.push(p);
                }
            }
        }
        return sum;
    }

    /**
     * The host attributes a copy needs, named so that the JDK does not resolve owner names (a
     * passwd and group lookup per file).
     */
    private static final String ATTRIBUTES = "unix:mode,uid,gid,nlink,dev,ino,rdev,lastAccessTime,lastModifiedTime";

    /** A host directory being copied: its children not yet copied, and its copy in the image. */
    private record OpenDirectory(Path source, Attributes copy, String imagePath, Map<String, Object> unix,
            boolean existed, String key, Iterator<Path> children) {
    }

    /**
     * Copies host {@code source} to {@code name} in image directory {@code parent}; a directory
     * with everything below it, its own attributes set after its children. Directories are
     * walked with a stack of open ones on the heap, so depth is bounded by the filesystems, not
     * the Java stack. Failures below a directory are reported and the rest of the tree is still
     * copied.
     */
    void copy(Path source, long parent, String name, String imagePath) {
        Deque<OpenDirectory> open = new ArrayDeque<>();
        // The host directories being copied, as "dev:ino": one met again below itself (a bind
        // mount of an ancestor) would be copied forever.
        Set<String> ancestors = new HashSet<>();
        copyOne(source, parent, name, imagePath, open, ancestors);
        while (!open.isEmpty()) {
            OpenDirectory dir = open.peek();
            if (!dir.children().hasNext()) {
                open.pop();
                ancestors.remove(dir.key());
                // After the children, whose creation changed the directory's times.
                if (!dir.existed() || preserve) {
                    try {
                        finish(dir.source(), dir.copy(), dir.unix(), image + ":" + dir.imagePath());
                    } catch (IOException | RuntimeException e) {
                        failures.failed(image + ":" + dir.imagePath(), e);
                    }
                }
                continue;
            }
            Path child = dir.children().next();
            String childName = child.getFileName().toString();
            String childPath = LsCommand.join(dir.imagePath(), childName);
            // A host name that is not UTF-8 decodes to other text (U+FFFD), and that text
            // names another file: the copy would silently get a different name.
            if (!dir.source().resolve(childName).equals(child)) {
                failures.failed(image + ":" + childPath, new CommandFailure(image + ":" + childPath,
                        "the host name of " + child + " is not UTF-8, and Java reads host names only as text "
                                + "(rename it on the host)"));
                continue;
            }
            copyOne(child, dir.copy().ino(), childName, childPath, open, ancestors);
        }
    }

    /** Copies one non-directory, or makes the copy of a directory and opens it for its children. */
    private void copyOne(Path source, long parent, String name, String imagePath, Deque<OpenDirectory> open,
            Set<String> ancestors) {
        String what = image + ":" + imagePath;
        try {
            Map<String, Object> unix = Files.readAttributes(source, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) unix.get("mode");
            int type = mode & S_IFMT;
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            Optional<Attributes> existing = lookup(parent, nameBytes);
            if (type == S_IFDIR) {
                if (!recursive) {
                    throw new CommandFailure(source.toString(), "is a directory (use -r to copy directories)");
                }
                openDirectory(source, parent, nameBytes, imagePath, unix, existing, open, ancestors);
                return;
            }
            if (existing.isPresent() && existing.get().type() == FileType.DIRECTORY) {
                throw new Ext4Exception(Errno.EISDIR, "cannot overwrite directory " + imagePath + " with a non-directory");
            }
            if (type == S_IFSOCK) {
                failures.warn(source + ": socket skipped (cp cannot recreate it)");
                return;
            }
            int nlink = (Integer) unix.get("nlink");
            String key = unix.get("dev") + ":" + unix.get("ino");
            if (nlink > 1) {
                Long first = linked.get(key);
                if (first != null) {
                    if (existing.isPresent()) {
                        if (existing.get().ino() == first) {
                            return;
                        }
                        fs.unlink(Caller.ROOT, parent, nameBytes);
                    }
                    fs.link(Caller.ROOT, first, parent, nameBytes);
                    return;
                }
            }
            // A regular file is overwritten in place (O_TRUNC); anything else in the way goes first.
            if (existing.isPresent() && (type != S_IFREG || existing.get().type() != FileType.REGULAR)) {
                fs.unlink(Caller.ROOT, parent, nameBytes);
            }
            int perm = mode & 07777;
            int createPerm = preserve ? perm : perm & ~umask;
            Attributes made;
            switch (type) {
                case S_IFREG:
                    made = copyFile(source, parent, nameBytes, createPerm);
                    break;
                case S_IFLNK:
                    made = fs.symlink(Caller.ROOT, parent, nameBytes,
                            Files.readSymbolicLink(source).toString().getBytes(StandardCharsets.UTF_8));
                    break;
                default:
                    long rdev = (Long) unix.get("rdev");
                    // unix:rdev in the host's own dev_t encoding (only hosts with one report device files).
                    DevT host = DevT.of(HostOs.current()).orElse(DevT.LINUX);
                    made = fs.mknod(Caller.ROOT, parent, nameBytes, type | createPerm, (int) host.major(rdev),
                            (int) host.minor(rdev));
                    break;
            }
            if (nlink > 1) {
                linked.put(key, made.ino());
            }
            finish(source, made, unix, what);
        } catch (IOException | RuntimeException e) {
            failures.failed(what, e);
        }
    }

    private void openDirectory(Path source, long parent, byte[] nameBytes, String imagePath, Map<String, Object> unix,
            Optional<Attributes> existing, Deque<OpenDirectory> open, Set<String> ancestors) throws IOException {
        String key = unix.get("dev") + ":" + unix.get("ino");
        if (ancestors.contains(key)) {
            throw new CommandFailure(source.toString(), "the directory is inside itself (a bind mount of an ancestor?); "
                    + "not copied again");
        }
        Attributes dir;
        if (existing.isPresent()) {
            dir = existing.get();
            if (dir.type() != FileType.DIRECTORY) {
                throw new Ext4Exception(Errno.ENOTDIR, "cannot overwrite non-directory " + imagePath + " with a directory");
            }
        } else {
            int perm = (Integer) unix.get("mode") & 07777;
            dir = fs.mkdir(Caller.ROOT, parent, nameBytes, preserve ? perm : perm & ~umask);
        }
        List<Path> children = new ArrayList<>();
        try (Stream<Path> list = Files.list(source)) {
            list.forEach(children::add);
        }
        children.sort(null);
        ancestors.add(key);
        open.push(new OpenDirectory(source, dir, imagePath, unix, existing.isPresent(), key, children.iterator()));
    }

    private Attributes copyFile(Path source, long parent, byte[] nameBytes, int perm) throws IOException {
        WritableFileSystem.Created c = fs.create(Caller.ROOT, parent, nameBytes, perm,
                WritableFileSystem.O_TRUNC | O_WRONLY);
        long ino = c.attributes().ino();
        try (InputStream in = Files.newInputStream(source)) {
            long offset = 0;
            long written = 0;
            while (true) {
                int n = in.readNBytes(chunk, 0, CHUNK);
                if (n <= 0) {
                    break;
                }
                // All-zero chunks are left as holes, as cp --sparse=auto does for sparse sources.
                if (!allZero(chunk, n)) {
                    writeFully(ino, c.handle(), offset, n);
                    written = offset + n;
                }
                offset += n;
                if (progress != null) {
                    progress.advanced(n);
                }
            }
            if (written < offset) {
                fs.setattr(Caller.ROOT, ino, c.handle(), SetAttr.truncate(offset));
            }
        } finally {
            fs.release(ino, c.handle());
        }
        return fs.getattr(ino);
    }

    private void writeFully(long ino, long handle, long offset, int len) {
        int done = 0;
        while (done < len) {
            int n = fs.write(Caller.ROOT, ino, handle, offset + done, chunk, done, len - done);
            if (n <= 0) {
                throw new Ext4Exception(Errno.ENOSPC, "the image filled up after " + (offset + done) + " bytes");
            }
            done += n;
        }
    }

    private static boolean allZero(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Without -p a copy keeps the permissions it was created with and gets the current time;
     * with -p owner, group, permission bits (after chown, which clears setuid/setgid), user
     * xattrs and last the access and modification times are set from the source.
     */
    private void finish(Path source, Attributes made, Map<String, Object> unix, String what) throws IOException {
        if (!preserve) {
            return;
        }
        long ino = made.ino();
        // Owner and times in one change (neither moves the other); xattrs and chmod touch only
        // ctime, so the times set here stay. chmod is needed only when chown cleared
        // setuid/setgid or the file was made with other permission bits.
        SetAttr ownerAndTimes = SetAttr.chown((Integer) unix.get("uid"), (Integer) unix.get("gid"))
                .withTimes(TimeChange.set(timestamp((FileTime) unix.get("lastAccessTime"))),
                        TimeChange.set(timestamp((FileTime) unix.get("lastModifiedTime"))));
        Attributes owned = fs.setattr(Caller.ROOT, ino, -1, ownerAndTimes);
        int perm = (Integer) unix.get("mode") & 07777;
        if (made.type() != FileType.SYMLINK && (owned.mode() & 07777) != perm) {
            fs.setattr(Caller.ROOT, ino, -1, SetAttr.chmod(perm));
        }
        if (made.type() == FileType.REGULAR || made.type() == FileType.DIRECTORY) {
            copyUserXattrs(source, ino, what);
        }
    }

    private void copyUserXattrs(Path source, long ino, String what) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(source, UserDefinedFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            for (String name : view.list()) {
                ByteBuffer value = ByteBuffer.allocate(view.size(name));
                view.read(name, value);
                fs.setxattr(Caller.ROOT, ino, "user." + name, Arrays.copyOf(value.array(), value.position()), 0);
            }
        } catch (IOException | UnsupportedOperationException | Ext4Exception e) {
            if (!xattrWarned) {
                xattrWarned = true;
                failures.warn(what + ": user extended attributes not kept (" + e.getMessage() + ")");
            }
        }
    }

    private Optional<Attributes> lookup(long parent, byte[] name) {
        try {
            return Optional.of(fs.lookup(Caller.ROOT, parent, name));
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static Timestamp timestamp(FileTime t) {
        Instant i = t.toInstant();
        return new Timestamp(i.getEpochSecond(), i.getNano());
    }
}
