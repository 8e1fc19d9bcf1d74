package org.ext4j.dist;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.core.inode.FileType;
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
    /** Directory nesting removed before giving up (a loop in a damaged image must not recurse forever). */
    private static final int MAX_DEPTH = 4096;

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

    private void remove(Ext4Volume fs, ImagePath p) {
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
        removeTree(fs, p, a, new HashSet<>(), 0);
        fs.rmdir(Caller.ROOT, place.parent().ino(), place.nameBytes());
    }

    /** Empties directory {@code dir}, children first; a failing child is reported and the rest still removed. */
    private void removeTree(Ext4Volume fs, ImagePath p, Attributes dir, Set<Long> visited, int depth) {
        CorruptionException.check(visited.add(dir.ino()) && depth <= MAX_DEPTH,
                "directory inode " + dir.ino() + " appears twice (or too deep) in the tree under " + p);
        for (DirectoryEntry e : DirectoryListing.read(fs, dir.ino())) {
            if (DirectoryListing.isDotOrDotDot(e)) {
                continue;
            }
            Attributes child = fs.lookup(Caller.ROOT, dir.ino(), e.name());
            if (child.type() == FileType.DIRECTORY) {
                removeTree(fs, p, child, visited, depth + 1);
                fs.rmdir(Caller.ROOT, dir.ino(), e.name());
            } else {
                fs.unlink(Caller.ROOT, dir.ino(), e.name());
            }
        }
    }

    private void fail(ImagePath what, Throwable e) {
        failed = true;
        main.report(spec.commandLine(), CommandFailure.of(what.toString(), what.image().toString(), e));
    }
}
