package org.ext4j.dist;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j rm}: removes files and trees inside an image, like rm(1). */
@Command(name = "rm", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Remove files and directories inside an ext4 image (like rm).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Removes each IMAGE:PATH. The image is opened for writing. A symbolic link is removed "
                + "itself, never what it points to. Directories need -r, which removes everything below "
                + "them first, depth first. The root directory of an image is never removed.",
            "",
            "With -f, operands that do not exist are ignored silently. A file's space is freed when "
                + "its last name goes."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j rm disk.img:/tmp/old.log",
            "  ext4j rm -rf disk.img:/var/cache/apt"})
public final class RmCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and their contents.")
    boolean recursive;

    @Option(names = {"-f", "--force"}, description = "Ignore operands that do not exist.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH", description = "What to remove.")
    List<String> operands;

    private boolean failed;

    @Override
    public Integer call() throws IOException {
        List<ImagePath> paths = ImageOperands.requirePaths(spec, operands);
        try (ImageSession images = new ImageSession()) {
            for (ImagePath p : paths) {
                try {
                    remove(images.volume(p.image()), p);
                } catch (RuntimeException e) {
                    fail(p, e);
                }
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }

    private void remove(PosixFileSystem fs, ImagePath p) {
        ImagePlace place;
        try {
            place = ImagePlace.of(fs, p.path());
        } catch (Ext4Exception e) {
            if (e.errno() == Errno.EBUSY) {
                throw new CommandFailure(p.toString(), "refusing to remove the root directory of the image");
            }
            if (force && e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        Optional<Attributes> found = place.lookup(fs);
        if (found.isEmpty()) {
            if (force) {
                return;
            }
            throw new Ext4Exception(Errno.ENOENT, null);
        }
        Attributes a = found.get();
        if (a.type() != FileType.DIRECTORY) {
            fs.unlink(Caller.ROOT, place.parent().ino(), place.nameBytes());
            return;
        }
        if (!recursive) {
            throw new CommandFailure(p.toString(), "Is a directory (use -r to remove directories)");
        }
        if (removeTree(fs, p, a)) {
            fs.rmdir(Caller.ROOT, place.parent().ino(), place.nameBytes());
        }
    }

    /** A directory being emptied: its entries still to remove, and whether one of them could not be. */
    private static final class OpenDirectory {
        final String path;
        final Attributes attributes;
        final byte[] name;
        final Iterator<DirectoryEntry> entries;
        boolean kept;

        OpenDirectory(String path, Attributes attributes, byte[] name, Iterator<DirectoryEntry> entries) {
            this.path = path;
            this.attributes = attributes;
            this.name = name;
            this.entries = entries;
        }
    }

    /**
     * Empties directory {@code top}, children first, with a stack of open directories on the
     * heap (a tree's depth is bounded by the filesystem, not the Java stack). A child that cannot
     * be removed is reported and the rest is still removed; its ancestors stay, as with rm -r.
     * Returns whether {@code top} is now empty.
     */
    private boolean removeTree(PosixFileSystem fs, ImagePath p, Attributes top) {
        String image = p.image().toString();
        // Directories cannot be hard-linked, so meeting one twice means the image loops.
        Set<Long> visited = new HashSet<>();
        visited.add(top.ino());
        Deque<OpenDirectory> open = new ArrayDeque<>();
        open.push(new OpenDirectory(p.path(), top, null, DirectoryListing.read(fs, top.ino()).iterator()));
        while (true) {
            OpenDirectory dir = open.peek();
            if (!dir.entries.hasNext()) {
                open.pop();
                OpenDirectory parent = open.peek();
                if (parent == null) {
                    return !dir.kept;
                }
                if (dir.kept) {
                    parent.kept = true;
                    continue;
                }
                try {
                    fs.rmdir(Caller.ROOT, parent.attributes.ino(), dir.name);
                } catch (RuntimeException e) {
                    parent.kept = true;
                    fail(image + ":" + dir.path, image, e);
                }
                continue;
            }
            DirectoryEntry e = dir.entries.next();
            if (DirectoryListing.isDotOrDotDot(e)) {
                continue;
            }
            String childPath = LsCommand.join(dir.path, NameText.name(e.name()));
            try {
                Attributes child = fs.lookup(Caller.ROOT, dir.attributes.ino(), e.name());
                if (child.type() == FileType.DIRECTORY) {
                    if (!visited.add(child.ino())) {
                        throw new CorruptionException(CorruptionException.Structure.DIRECTORY, child.ino(), CorruptionException.NO_BLOCK,
                                "directory inode " + child.ino() + " appears twice in the tree under " + p);
                    }
                    open.push(new OpenDirectory(childPath, child, e.name(), DirectoryListing.read(fs, child.ino()).iterator()));
                } else {
                    fs.unlink(Caller.ROOT, dir.attributes.ino(), e.name());
                }
            } catch (RuntimeException ex) {
                dir.kept = true;
                fail(image + ":" + childPath, image, ex);
            }
        }
    }

    private void fail(String what, String image, Throwable e) {
        failed = true;
        main.report(spec.commandLine(), CommandFailure.of(what, image, e));
    }

    private void fail(ImagePath what, Throwable e) {
        failed = true;
        main.report(spec.commandLine(), CommandFailure.of(what.toString(), what.image().toString(), e));
    }
}
