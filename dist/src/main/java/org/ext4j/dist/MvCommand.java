package org.ext4j.dist;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j mv}: renames or moves a file or directory within one image, like mv(1). */
@Command(name = "mv", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Rename or move a file or directory inside an ext4 image (like mv).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Renames IMAGE:SRC to IMAGE:DST within the same image, which is opened for writing. If "
                + "DST is an existing directory, SRC is moved into it under its own name. An existing "
                + "non-directory at the destination is replaced, an empty directory by a directory; a "
                + "directory cannot move into itself. Moving between images is not supported (use cp "
                + "and rm)."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j mv disk.img:/etc/motd disk.img:/etc/motd.old",
            "  ext4j mv disk.img:/tmp/build disk.img:/srv/      into an existing directory"})
public final class MvCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "2", paramLabel = "IMAGE:PATH", description = "The source, then the destination.")
    List<String> operands;

    @Override
    public Integer call() throws IOException {
        List<ImagePath> paths = ImageOperands.requirePaths(spec, operands);
        ImagePath src = paths.get(0);
        ImagePath dst = paths.get(1);
        if (!src.image().toAbsolutePath().normalize().equals(dst.image().toAbsolutePath().normalize())) {
            throw new ParameterException(spec.commandLine(), "'" + src + "' and '" + dst
                    + "' are in different images: mv moves within one image (use cp, then rm)");
        }
        try (ImageSession images = new ImageSession()) {
            move(images.volume(src.image()), src, dst);
        } catch (RuntimeException e) {
            throw CommandFailure.of(src.toString(), src.image().toString(), e);
        }
        return 0;
    }

    private static void move(PosixFileSystem fs, ImagePath src, ImagePath dst) {
        ImagePlace from = ImagePlace.of(fs, src.path());
        Attributes moving = from.lookup(fs).orElseThrow(() -> new Ext4Exception(Errno.ENOENT, null));
        ImagePlace to;
        Attributes intoDir = null;
        try {
            Attributes d = new PathWalker(fs, Caller.ROOT).resolve(dst.path(), true);
            if (d.type() == FileType.DIRECTORY) {
                intoDir = d;
            }
        } catch (Ext4Exception e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        if (intoDir != null && intoDir.ino() == moving.ino()) {
            throw new CommandFailure(src.toString(), "cannot move a directory into itself ('" + dst + "' is the same directory)");
        }
        if (intoDir != null) {
            to = new ImagePlace(intoDir, from.name());
        } else {
            to = ImagePlace.of(fs, dst.path());
        }
        Optional<Attributes> there = to.lookup(fs);
        if (there.isPresent() && there.get().ino() == moving.ino()) {
            throw new CommandFailure(src.toString(), "'" + src + "' and '" + dst + "' are the same file");
        }
        fs.rename(Caller.ROOT, from.parent().ino(), from.nameBytes(), to.parent().ino(), to.nameBytes(), 0);
    }
}
