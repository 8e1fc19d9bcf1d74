package org.ext4j.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j ln}: makes hard or symbolic links inside an image, like ln(1). */
@Command(name = "ln", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Make a hard or symbolic link inside an ext4 image (like ln).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Without -s, makes IMAGE:LINKPATH a new name (hard link) of the existing non-directory "
                + "TARGET, written IMAGE:PATH in the same image; a symbolic link as TARGET is linked "
                + "itself, not followed. With -s, makes IMAGE:LINKPATH a symbolic link whose target is "
                + "TARGET exactly as given (it is not checked and may dangle).",
            "",
            "If LINKPATH is an existing directory, the link is made inside it under the last name "
                + "of TARGET. An existing file at LINKPATH is an error (there is no -f). The image is "
                + "opened for writing."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j ln -s /usr/bin/python3 disk.img:/usr/local/bin/python",
            "  ext4j ln disk.img:/etc/hosts disk.img:/etc/hosts.bak"})
public final class LnCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--symbolic"}, description = "Make a symbolic link with TARGET as its literal target.")
    boolean symbolic;

    @Parameters(index = "0", paramLabel = "TARGET", description = "With -s any text; without, IMAGE:PATH of an existing file.")
    String target;

    @Parameters(index = "1", paramLabel = "IMAGE:LINKPATH", description = "The new link.")
    String linkOperand;

    @Override
    public Integer call() throws IOException {
        ImagePath link = ImageOperands.requirePaths(spec, List.of(linkOperand)).get(0);
        ImagePath existing = null;
        if (!symbolic) {
            existing = ImageOperands.requirePaths(spec, List.of(target)).get(0);
            if (!existing.image().toAbsolutePath().normalize().equals(link.image().toAbsolutePath().normalize())) {
                throw new ParameterException(spec.commandLine(), "'" + target + "' and '" + linkOperand
                        + "' are in different images: a hard link stays within one image");
            }
        } else if (target.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "a symbolic link needs a non-empty TARGET");
        }
        try (ImageSession images = new ImageSession()) {
            PosixFileSystem fs = images.volume(link.image());
            String baseName = symbolic ? baseName(target) : existing.baseName();
            ImagePlace place = placeOf(fs, link.path(), baseName);
            if (symbolic) {
                fs.symlink(Caller.ROOT, place.parent().ino(), place.nameBytes(), target.getBytes(StandardCharsets.UTF_8));
            } else {
                Attributes a = new PathWalker(fs, Caller.ROOT).resolve(existing.path(), false);
                if (a.type() == FileType.DIRECTORY) {
                    throw new CommandFailure(existing.toString(), "hard link not allowed for a directory");
                }
                fs.link(Caller.ROOT, a.ino(), place.parent().ino(), place.nameBytes());
            }
        } catch (RuntimeException e) {
            throw CommandFailure.of(link.toString(), link.image().toString(), e);
        }
        return 0;
    }

    /** Where the link goes: inside LINKPATH when it is a directory, else LINKPATH itself. */
    private static ImagePlace placeOf(PosixFileSystem fs, String linkPath, String baseName) {
        try {
            Attributes d = new PathWalker(fs, Caller.ROOT).resolve(linkPath, true);
            if (d.type() == FileType.DIRECTORY) {
                if (baseName.isEmpty() || baseName.equals("/") || baseName.equals(".") || baseName.equals("..")) {
                    throw new Ext4Exception(Errno.EEXIST, "a directory is there, and the target has no name to put inside it");
                }
                return new ImagePlace(d, baseName);
            }
        } catch (Ext4Exception e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        return ImagePlace.of(fs, linkPath);
    }

    /** The last name of a symbolic link target ("" when it has none). */
    private static String baseName(String text) {
        String t = text;
        while (t.length() > 1 && t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.substring(t.lastIndexOf('/') + 1);
    }
}
