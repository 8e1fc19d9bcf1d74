package org.ext4j.dist;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
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

/** {@code ext4j cp}: copies files and trees out of an image onto the host, or from the host into an image, like cp(1). */
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
            "Holes stay holes: only the ranges of a file that hold data are written (unwritten "
                + "extents, which read as zeros, count as holes, as lseek SEEK_HOLE reports them), so a "
                + "sparse file takes no more room on the host than in the image. Before anything is "
                + "written, a copy whose data does not fit in the free space of DEST's filesystem is refused.",
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
        Map<Path, PosixFileSystem> volumes = new LinkedHashMap<>();
        try {
            List<Source> resolved = new ArrayList<>();
            for (ImagePath source : sources) {
                try {
                    PosixFileSystem volume = volumes.get(source.image());
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
            // Data bytes, each inode once per image: what the host must take, and the progress total.
            long need = 0;
            Map<PosixFileSystem, Set<Long>> counted = new HashMap<>();
            for (Source s : resolved) {
                need += CopyOut.dataBytes(s.volume(), s.attributes(), recursive,
                        counted.computeIfAbsent(s.volume(), k -> new HashSet<>()));
            }
            if (!resolved.isEmpty()) {
                requireSpace(resolved, need, dest, destOperand);
            }
            ProgressBar bar = main.stderrIsTerminal() ? new ProgressBar(err, need, System::nanoTime) : null;
            CopyOut copier = new CopyOut(preserve, root, bar, new CopyOut.Failures() {
                @Override
                public void failed(String what, String image, Throwable e) {
                    failed = true;
                    main.report(spec.commandLine(), CommandFailure.of(what, image, e));
                }

                @Override
                public void warn(String message) {
                    CpCommand.this.warn(message);
                }
            });
            for (Source s : resolved) {
                boolean isRoot = s.attributes().ino() == InodeFileSystem.ROOT_INO;
                Path target = destIsDir && !isRoot ? dest.resolve(s.path().baseName()) : dest;
                copier.copy(s.volume(), s.path(), s.attributes(), target);
            }
            if (bar != null) {
                bar.finish();
            }
        } finally {
            for (PosixFileSystem v : volumes.values()) {
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
                PosixFileSystem volume = ImageOpener.openWritable(dest.image())) {
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
    private record Source(ImagePath path, PosixFileSystem volume, Attributes attributes) {
    }

    /**
     * Refuses, before anything is written, a copy whose data (holes left out) cannot fit in the
     * free space of the host filesystem that takes it. A filesystem that reports no size at all
     * (some network and FUSE filesystems) is not judged.
     */
    private static void requireSpace(List<Source> sources, long need, Path dest, String destOperand) {
        if (Files.exists(dest) && !Files.isDirectory(dest) && !Files.isRegularFile(dest)) {
            // A device or fifo (cp IMG:/f /dev/null) takes the bytes without storing them here.
            return;
        }
        Path probe = Files.exists(dest) ? dest : dest.toAbsolutePath().getParent();
        if (probe == null || !Files.exists(probe)) {
            // The copy itself reports the missing directory, in its usual words.
            return;
        }
        long free;
        try {
            FileStore store = Files.getFileStore(probe);
            if (store.getTotalSpace() <= 0) {
                return;
            }
            free = store.getUsableSpace();
        } catch (IOException e) {
            // Without a free-space figure there is nothing to judge; the copy reports real write errors.
            return;
        }
        if (need > free) {
            String what = sources.size() == 1 ? sources.get(0).path().toString() : sources.size() + " sources";
            throw new CommandFailure(what, (sources.size() == 1 ? "needs " : "need ") + ProgressBar.bytes(need)
                    + " for " + (sources.size() == 1 ? "its" : "their") + " data, " + destOperand + " has "
                    + ProgressBar.bytes(free) + " free");
        }
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
