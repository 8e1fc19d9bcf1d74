package org.ext4j.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * The copy-out half of {@code ext4j cp}: files and trees of an image written onto the host as
 * cp(1) would copy them from a mounted filesystem. Trees are walked with a stack of open
 * directories on the heap, so their depth is bounded by the filesystem, not by the Java stack;
 * regular files are copied by data range, so the image's holes stay holes on the host.
 */
final class CopyOut {
    /** What went wrong, reported by the command: the failing image path, its image, the exception. */
    interface Failures {
        void failed(String what, String image, Throwable e);

        void warn(String message);
    }

    private final boolean preserve;
    private final boolean root;
    private final ImageFileReader.Progress progress;
    private final Failures failures;
    private boolean xattrWarned;

    /** Copies already made of multiply-linked inodes, per image, so later names become hard links. */
    private final Map<WritableFileSystem, Map<Long, Path>> copiedLinks = new HashMap<>();

    CopyOut(boolean preserve, boolean root, ImageFileReader.Progress progress, Failures failures) {
        this.preserve = preserve;
        this.root = root;
        this.progress = progress;
        this.failures = failures;
    }

    /** A directory being copied: its entries not yet copied, and where its copy is. */
    private record OpenDirectory(String path, Attributes attributes, Path target, Iterator<DirectoryEntry> entries) {
    }

    /**
     * The data bytes (holes left out) of the regular files under {@code top}, each inode counted
     * once across calls that share {@code counted}: what a copy needs on the host, and the
     * progress total. Entries that cannot be read count nothing; the copy reports them.
     */
    static long dataBytes(WritableFileSystem fs, Attributes top, boolean recursive, Set<Long> counted) {
        long sum = 0;
        Deque<Attributes> pending = new ArrayDeque<>();
        pending.push(top);
        while (!pending.isEmpty()) {
            Attributes a = pending.pop();
            if (!counted.add(a.ino())) {
                continue;
            }
            try {
                if (a.type() == FileType.REGULAR) {
                    sum += ImageFileReader.dataBytes(fs, a);
                } else if (a.type() == FileType.DIRECTORY && recursive) {
                    for (DirectoryEntry e : DirectoryListing.read(fs, a.ino())) {
                        if (!DirectoryListing.isDotOrDotDot(e)) {
                            pending.push(fs.getattr(e.ino()));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Deliberately not reported here: the copy meets the same entry and reports it there.
                continue;
            }
        }
        return sum;
    }

    /**
     * Copies {@code a}, found at {@code path} in the image of {@code source}, to {@code target};
     * a directory with everything below it, its own attributes set after its children. A
     * failure is reported and the rest is still copied.
     */
    void copy(WritableFileSystem fs, ImagePath source, Attributes a, Path target) {
        String image = source.image().toString();
        if (a.type() != FileType.DIRECTORY) {
            copyNonDirectory(fs, image, source.path(), a, target);
            return;
        }
        // Directories cannot be hard-linked, so meeting one twice means the image loops.
        Set<Long> visited = new HashSet<>();
        Deque<OpenDirectory> open = new ArrayDeque<>();
        enter(fs, image, source.path(), a, target, visited, open);
        while (!open.isEmpty()) {
            OpenDirectory dir = open.peek();
            if (!dir.entries().hasNext()) {
                open.pop();
                String what = image + ":" + dir.path();
                try {
                    // After the children: their creation changed the directory's times, and a
                    // read-only mode set earlier would have refused them.
                    finish(dir.target(), dir.attributes(), fs, what);
                } catch (IOException | RuntimeException e) {
                    failures.failed(what, image, e);
                }
                continue;
            }
            DirectoryEntry e = dir.entries().next();
            if (DirectoryListing.isDotOrDotDot(e)) {
                continue;
            }
            String childPath = LsCommand.join(dir.path(), NameText.name(e.name()));
            String what = image + ":" + childPath;
            Path childTarget;
            Attributes child;
            try {
                childTarget = NameText.hostChild(dir.target(), e.name(), what);
                child = fs.getattr(e.ino());
            } catch (RuntimeException ex) {
                failures.failed(what, image, ex);
                continue;
            }
            if (child.type() == FileType.DIRECTORY) {
                enter(fs, image, childPath, child, childTarget, visited, open);
            } else {
                copyNonDirectory(fs, image, childPath, child, childTarget);
            }
        }
    }

    /** Makes the copy of a directory and puts it on the stack of open ones with its listing. */
    private void enter(WritableFileSystem fs, String image, String path, Attributes a, Path target, Set<Long> visited,
            Deque<OpenDirectory> open) {
        try {
            if (!visited.add(a.ino())) {
                throw new CorruptionException(CorruptionException.Structure.DIRECTORY, a.ino(), CorruptionException.NO_BLOCK,
                        "directory inode " + a.ino() + " appears twice in the tree at " + path);
            }
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
            }
            open.push(new OpenDirectory(path, a, target, DirectoryListing.read(fs, a.ino()).iterator()));
        } catch (IOException | RuntimeException e) {
            failures.failed(image + ":" + path, image, e);
        }
    }

    private void copyNonDirectory(WritableFileSystem fs, String image, String path, Attributes a, Path target) {
        String what = image + ":" + path;
        try {
            if (a.nlink() > 1) {
                Path first = copiedLinks.computeIfAbsent(fs, k -> new HashMap<>()).get(a.ino());
                if (first != null) {
                    replaceNonDirectory(target);
                    Files.createLink(target, first);
                    return;
                }
            }
            switch (a.type()) {
                case REGULAR:
                    if (Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target)) {
                        // A device or fifo in the way (cp IMG:/f /dev/null) has no holes and keeps its
                        // own attributes: it gets every byte, and nothing else.
                        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.WRITE)) {
                            ImageFileReader.copy(fs, a, out, progress);
                        }
                        return;
                    }
                    copyFile(fs, a, target);
                    break;
                case SYMLINK:
                    Path linkTarget = NameText.hostTarget(fs.readlink(a.ino()), what);
                    replaceNonDirectory(target);
                    Files.createSymbolicLink(target, linkTarget);
                    break;
                case FIFO:
                    replaceNonDirectory(target);
                    HostSystem.run(List.of("mkfifo", "-m", Integer.toOctalString(a.permissions() & 0777), target.toString()));
                    break;
                case CHAR_DEVICE:
                case BLOCK_DEVICE:
                    if (!root) {
                        failures.warn(what + ": device node skipped (creating device nodes needs root)");
                        return;
                    }
                    replaceNonDirectory(target);
                    HostSystem.run(List.of("mknod", "-m", Integer.toOctalString(a.permissions() & 0777), target.toString(),
                            a.type() == FileType.CHAR_DEVICE ? "c" : "b",
                            Integer.toString(a.rdevMajor()), Integer.toString(a.rdevMinor())));
                    break;
                default:
                    failures.warn(what + ": " + ModeString.typeName(a.type(), a.size()) + " skipped (cp cannot recreate it)");
                    return;
            }
            if (a.nlink() > 1) {
                copiedLinks.get(fs).put(a.ino(), target);
            }
            finish(target, a, fs, what);
        } catch (IOException | RuntimeException e) {
            failures.failed(what, image, e);
        }
    }

    /** Writes the data ranges of {@code a} into {@code target}; its holes become holes there. */
    private void copyFile(WritableFileSystem fs, Attributes a, Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "cannot overwrite a directory with a file");
        }
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ImageFileReader.copySparse(fs, a, out, progress);
            if (out.size() < a.size()) {
                // A final hole: the size is set with ftruncate, which FileChannel only does to shrink.
                try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
                    file.setLength(a.size());
                }
            }
        }
    }

    /** Removes a non-directory in the way of a link or node, as cp overwrites its destination. */
    private static void replaceNonDirectory(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a directory is in the way");
        }
        Files.deleteIfExists(target);
    }

    /**
     * Sets mode, and with -p owner, times and user xattrs, on a finished copy. The JDK sets
     * mode and times by opening the file, which blocks on a fifo and would open a device, so
     * fifos and devices (made with their mode by mkfifo/mknod) and symbolic links get their
     * owner and times by name through chown -h and touch -h.
     */
    private void finish(Path target, Attributes a, WritableFileSystem fs, String what) throws IOException {
        boolean openable = a.type() == FileType.REGULAR || a.type() == FileType.DIRECTORY;
        if (!preserve) {
            if (openable) {
                int created = (Integer) Files.getAttribute(target, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
                // Keep the source's bits within what the umask allowed at creation, execute bits
                // following the read bits (a new file is never created executable).
                int allowed = created | (created & 0444) >> 2;
                Files.setAttribute(target, "unix:mode", a.permissions() & 0777 & allowed, LinkOption.NOFOLLOW_LINKS);
            }
            return;
        }
        if (!openable) {
            try {
                if (root) {
                    HostSystem.run(List.of("chown", "-h", a.uid() + ":" + a.gid(), target.toString()));
                }
                HostSystem.run(List.of("touch", "-h", "-m", "-d", touchTime(a.mtime()), target.toString()));
                HostSystem.run(List.of("touch", "-h", "-a", "-d", touchTime(a.atime()), target.toString()));
            } catch (IOException e) {
                failures.warn(what + ": owner or times not kept (" + e.getMessage() + ")");
            }
            return;
        }
        if (root) {
            Files.setAttribute(target, "unix:uid", (int) a.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:gid", (int) a.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        // After chown, which clears setuid and setgid.
        Files.setAttribute(target, "unix:mode", a.permissions(), LinkOption.NOFOLLOW_LINKS);
        copyUserXattrs(fs, a, target, what);
        Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(fileTime(a.mtime()), fileTime(a.atime()), null);
    }

    /** A timestamp as touch -d takes it: @seconds.nanoseconds. */
    static String touchTime(Timestamp t) {
        return String.format("@%d.%09d", t.seconds(), t.nanos());
    }

    private static FileTime fileTime(Timestamp t) {
        return FileTime.from(Instant.ofEpochSecond(t.seconds(), t.nanos()));
    }

    private void copyUserXattrs(WritableFileSystem fs, Attributes a, Path target, String what) throws IOException {
        List<String> names = new ArrayList<>();
        for (String name : fs.listxattr(a.ino())) {
            if (name.startsWith("user.")) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(target, UserDefinedFileAttributeView.class);
        try {
            if (view == null) {
                throw new UnsupportedOperationException("no user xattr support");
            }
            for (String name : names) {
                view.write(name.substring("user.".length()), ByteBuffer.wrap(fs.getxattr(a.ino(), name)));
            }
        } catch (IOException | UnsupportedOperationException e) {
            if (!xattrWarned) {
                xattrWarned = true;
                failures.warn(what + ": user extended attributes not kept (the destination filesystem refused them: "
                        + e.getMessage() + ")");
            }
        }
    }
}
