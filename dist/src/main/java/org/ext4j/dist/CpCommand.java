package org.ext4j.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.core.inode.FileType;
import org.ext4j.core.inode.Timestamp;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.host.ImageLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j cp}: copies files and trees out of an image onto the host, like cp(1). */
@Command(name = "cp", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Copy files and directories out of an ext4 image, or into one (like cp).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Copies each source IMAGE:PATH to DEST on this machine. If DEST is an existing "
                + "directory, each source is copied into it under its own name; otherwise DEST is the name "
                + "of the copy, and there must be exactly one source. The image root (IMAGE:) copied into a "
                + "directory puts the root's contents there.",
            "",
            "With -r, directories are copied recursively; symbolic links inside are copied as links, "
                + "fifos are recreated, device nodes too when running as root (otherwise skipped with a "
                + "warning), sockets are skipped. Files hard-linked to each other inside the copied tree "
                + "stay hard-linked. A source that is itself a symbolic link is followed without -r and "
                + "copied as a link with -r, as cp does.",
            "",
            "Without -p, copies get the source's permission bits as allowed by the umask, and the "
                + "current time. With -p, the permission bits (including setuid, setgid, sticky), the owner "
                + "and group (when root), the access and modification times to the nanosecond, and user.* "
                + "extended attributes (where the host filesystem takes them) are kept.",
            "",
            "While copying for more than a second, a progress line (bytes, rate, time left) is shown "
                + "on stderr if stderr is a terminal.",
            "",
            "Copying in: when the last operand is IMAGE:PATH, the sources are files on this machine "
                + "and are written into the image, which is opened for writing (and refused when its "
                + "filesystem can only be opened read-only). IMAGE:DIR takes the sources under their own "
                + "names; IMAGE:NEWNAME names the copy of a single source. An existing file there is "
                + "overwritten. Directories need -r; symbolic links are copied as links, fifos and device "
                + "nodes are recreated, sockets skipped, and hard links within the copied tree are kept. "
                + "Runs of zero bytes (1 MiB aligned) become holes. The copies are made as root (uid 0); "
                + "-p keeps owner, group, permission bits, access and modification times to the nanosecond "
                + "and user.* extended attributes."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j cp disk.img:/etc/fstab .",
            "  ext4j cp -r -p disk.img:/home/alice /tmp/alice",
            "  ext4j cp -rp disk.img: /tmp/whole-image       everything under the root",
            "  ext4j cp disk.img:/a disk.img:/b ./dir/        several sources need a directory",
            "  ext4j cp -r -p ./site disk.img:/srv            copy a tree into the image",
            "  ext4j cp notes.txt disk.img:/root/notes.old    copy in under a new name"})
public final class CpCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-r", "-R", "--recursive"}, description = "Copy directories recursively.")
    boolean recursive;

    @Option(names = {"-p", "--preserve"}, description = "Keep modes, owners (as root), timestamps and user xattrs.")
    boolean preserve;

    @Parameters(arity = "2..*", paramLabel = "IMAGE:PATH... DEST | LOCAL... IMAGE:PATH", hideParamSyntax = true,
            description = "IMAGE:PATH sources, then a path on this machine; or paths on this machine, then IMAGE:PATH.")
    List<String> operands;

    private PrintWriter err;
    private boolean failed;
    private boolean root;
    private boolean xattrWarned;
    private FileReader.Progress progress;

    /** Copies already made of multiply-linked inodes, per image, so later names become hard links. */
    private final Map<InodeFileSystem, Map<Long, Path>> copiedLinks = new HashMap<>();

    @Override
    public Integer call() throws IOException {
        err = spec.commandLine().getErr();
        String destOperand = operands.get(operands.size() - 1);
        ImagePath destAsImage = ImagePath.parse(destOperand);
        if (destAsImage.explicit() && !Files.isDirectory(Path.of(destOperand))) {
            return copyIn(operands.subList(0, operands.size() - 1), destAsImage);
        }
        List<ImagePath> sources = ImageOperands.requirePaths(spec, operands.subList(0, operands.size() - 1));
        Path dest = Path.of(destOperand);
        boolean destIsDir = Files.isDirectory(dest);
        if (sources.size() > 1 && !destIsDir) {
            throw new CommandFailure(destOperand, "target is not a directory (several sources need an existing directory)");
        }
        root = HostSystem.isRoot();
        Map<Path, Ext4Volume> volumes = new LinkedHashMap<>();
        try {
            List<Source> resolved = new ArrayList<>();
            for (ImagePath source : sources) {
                try {
                    Ext4Volume volume = volumes.get(source.image());
                    if (volume == null) {
                        volume = ImageOpener.open(source.image());
                        volumes.put(source.image(), volume);
                    }
                    Attributes a = new PathWalker(volume, Caller.ROOT).resolve(source.path(), !recursive);
                    if (a.type() == FileType.DIRECTORY && !recursive) {
                        throw new CommandFailure(source.toString(), "is a directory (use -r to copy directories)");
                    }
                    resolved.add(new Source(source, volume, a));
                } catch (RuntimeException e) {
                    fail(source.toString(), source, e);
                }
            }
            ProgressBar bar = null;
            if (main.stderrIsTerminal()) {
                try {
                    long total = 0;
                    for (Source s : resolved) {
                        total += treeBytes(s.volume(), s.attributes(), new HashSet<>(), 0);
                    }
                    bar = new ProgressBar(err, total, System::nanoTime);
                    progress = bar;
                } catch (RuntimeException e) {
                    // Without a total there is no bar; the copy itself reports what is wrong where it meets it.
                    bar = null;
                }
            }
            for (Source s : resolved) {
                boolean isRoot = s.attributes().ino() == InodeFileSystem.ROOT_INO;
                Path target = destIsDir && !isRoot ? dest.resolve(s.path().baseName()) : dest;
                copy(s.volume(), s.path(), s.path().path(), s.attributes(), target, new HashSet<>());
            }
            if (bar != null) {
                bar.finish();
            }
        } finally {
            for (Ext4Volume v : volumes.values()) {
                v.close();
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }

    /**
     * Copies host files into the image: into DEST when it is a directory there, otherwise to
     * DEST as the new name of the one source.
     */
    private int copyIn(List<String> sourceOperands, ImagePath dest) throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String operand : sourceOperands) {
            ImagePath p = ImagePath.parse(operand);
            if (p.explicit() && Files.isRegularFile(p.image()) && !Files.exists(Path.of(operand))) {
                throw new ParameterException(spec.commandLine(), "'" + operand
                        + "' is inside an image: copying from one image into another is not supported "
                        + "(copy out to a directory, then in)");
            }
            sources.add(Path.of(operand));
        }
        root = HostSystem.isRoot();
        try (ImageLock lock = ImageOpener.lockForWriting(dest.image());
                Ext4Volume volume = ImageOpener.openWritable(dest.image())) {
            String destPath = dest.path();
            Attributes destDir = null;
            try {
                Attributes d = new PathWalker(volume, Caller.ROOT).resolve(destPath, true);
                if (d.type() == FileType.DIRECTORY) {
                    destDir = d;
                }
            } catch (Ext4Exception e) {
                if (e.errno() != Errno.ENOENT) {
                    throw CommandFailure.of(dest.toString(), dest.image().toString(), e);
                }
            }
            if (destDir == null && sources.size() > 1) {
                throw new CommandFailure(dest.toString(), "target is not a directory (several sources need an existing directory)");
            }
            if (destDir == null && destPath.endsWith("/")) {
                throw new CommandFailure(dest.toString(), "No such file or directory (the target directory does not exist)");
            }
            long total = 0;
            if (main.stderrIsTerminal()) {
                for (Path s : sources) {
                    total += CopyIn.treeBytes(s, recursive);
                }
            }
            ProgressBar bar = main.stderrIsTerminal() ? new ProgressBar(err, total, System::nanoTime) : null;
            CopyIn copier = new CopyIn(volume, dest.image().toString(), recursive, preserve, bar, new CopyIn.Failures() {
                @Override
                public void failed(String what, Throwable e) {
                    failed = true;
                    main.report(spec.commandLine(), CommandFailure.of(what, dest.image().toString(), e));
                }

                @Override
                public void warn(String message) {
                    CpCommand.this.warn(message);
                }
            });
            for (Path source : sources) {
                if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                    failed = true;
                    main.report(spec.commandLine(), new CommandFailure(source.toString(), "No such file or directory"));
                    continue;
                }
                if (destDir != null) {
                    Path base = source.toAbsolutePath().normalize().getFileName();
                    String name = base == null ? "/" : base.toString();
                    copier.copy(source, destDir.ino(), name, LsCommand.join(destPath, name));
                } else {
                    ImagePlace place;
                    try {
                        place = ImagePlace.of(volume, destPath);
                    } catch (Ext4Exception e) {
                        throw CommandFailure.of(dest.toString(), dest.image().toString(), e);
                    }
                    copier.copy(source, place.parent().ino(), place.name(), destPath);
                }
            }
            if (bar != null) {
                bar.finish();
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }

    /** A resolved command-line source. */
    private record Source(ImagePath path, Ext4Volume volume, Attributes attributes) {
    }

    /** Copies one node (and, for a directory, everything below it) to {@code target}. */
    private void copy(InodeFileSystem fs, ImagePath source, String path, Attributes a, Path target, Set<Long> visited) {
        String what = source.image() + ":" + path;
        try {
            if (a.type() != FileType.DIRECTORY && a.nlink() > 1) {
                Path first = copiedLinks.computeIfAbsent(fs, k -> new HashMap<>()).get(a.ino());
                if (first != null) {
                    replaceNonDirectory(target);
                    Files.createLink(target, first);
                    return;
                }
            }
            switch (a.type()) {
                case DIRECTORY:
                    copyDirectory(fs, source, path, a, target, visited);
                    return;
                case REGULAR:
                    copyFile(fs, a, target);
                    break;
                case SYMLINK:
                    replaceNonDirectory(target);
                    Files.createSymbolicLink(target, Path.of(new String(fs.readlink(a.ino()), StandardCharsets.UTF_8)));
                    break;
                case FIFO:
                    replaceNonDirectory(target);
                    HostSystem.run(List.of("mkfifo", "-m", Integer.toOctalString(a.permissions() & 0777), target.toString()));
                    break;
                case CHAR_DEVICE:
                case BLOCK_DEVICE:
                    if (!root) {
                        warn(what + ": device node skipped (creating device nodes needs root)");
                        return;
                    }
                    replaceNonDirectory(target);
                    HostSystem.run(List.of("mknod", "-m", Integer.toOctalString(a.permissions() & 0777), target.toString(),
                            a.type() == FileType.CHAR_DEVICE ? "c" : "b",
                            Integer.toString(a.rdevMajor()), Integer.toString(a.rdevMinor())));
                    break;
                default:
                    warn(what + ": " + ModeString.typeName(a.type(), a.size()) + " skipped (cp cannot recreate it)");
                    return;
            }
            if (a.nlink() > 1) {
                copiedLinks.get(fs).put(a.ino(), target);
            }
            finish(target, a, fs, what);
        } catch (IOException | RuntimeException e) {
            fail(what, source, e);
        }
    }

    private void copyDirectory(InodeFileSystem fs, ImagePath source, String path, Attributes a, Path target,
            Set<Long> visited) throws IOException {
        // Directories cannot be hard-linked, so meeting one twice means the image loops.
        CorruptionException.check(visited.add(a.ino()), "directory inode " + a.ino() + " appears twice in the tree at " + path);
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(target);
        }
        for (DirectoryEntry e : DirectoryListing.read(fs, a.ino())) {
            if (DirectoryListing.isDotOrDotDot(e)) {
                continue;
            }
            String name = e.nameString();
            String childPath = LsCommand.join(path, name);
            Attributes child;
            try {
                child = fs.getattr(e.ino());
            } catch (RuntimeException ex) {
                fail(source.image() + ":" + childPath, source, ex);
                continue;
            }
            copy(fs, source, childPath, child, target.resolve(name), visited);
        }
        // After the children: their creation changed the directory's times, and a read-only mode
        // set earlier would have refused them.
        finish(target, a, fs, source.image() + ":" + path);
    }

    private void copyFile(InodeFileSystem fs, Attributes a, Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "cannot overwrite a directory with a file");
        }
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            FileReader.copy(fs, a, out, progress);
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
    private void finish(Path target, Attributes a, InodeFileSystem fs, String what) throws IOException {
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
                warn(what + ": owner or times not kept (" + e.getMessage() + ")");
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

    private void copyUserXattrs(InodeFileSystem fs, Attributes a, Path target, String what) throws IOException {
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
                warn(what + ": user extended attributes not kept (the destination filesystem refused them: "
                        + e.getMessage() + ")");
            }
        }
    }

    private static FileTime fileTime(Timestamp t) {
        return FileTime.from(Instant.ofEpochSecond(t.seconds(), t.nanos()));
    }

    /** Bytes of regular file content under {@code a}, each inode counted once (for the progress total). */
    private long treeBytes(InodeFileSystem fs, Attributes a, Set<Long> counted, int depth) {
        if (!counted.add(a.ino()) || depth > 4096) {
            return 0;
        }
        if (a.type() == FileType.REGULAR) {
            return a.size();
        }
        if (a.type() != FileType.DIRECTORY || !recursive) {
            return 0;
        }
        long sum = 0;
        for (DirectoryEntry e : DirectoryListing.read(fs, a.ino())) {
            if (!DirectoryListing.isDotOrDotDot(e)) {
                sum += treeBytes(fs, fs.getattr(e.ino()), counted, depth + 1);
            }
        }
        return sum;
    }

    private void warn(String message) {
        err.println("ext4j: cp: warning: " + message);
        err.flush();
    }

    private void fail(String what, ImagePath source, Throwable e) {
        failed = true;
        main.report(spec.commandLine(), CommandFailure.of(what, source.image().toString(), e));
    }
}
