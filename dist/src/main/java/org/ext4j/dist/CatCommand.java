package org.ext4j.dist;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j cat}: writes files from an image to standard output. */
@Command(name = "cat", mixinStandardHelpOptions = true,
        header = "Print files from an ext4 image on standard output (like cat).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Writes the bytes of each file, in order, to standard output, unchanged (binary safe). "
                + "Symbolic links are followed. Holes and unwritten extents read as zeros. A directory is "
                + "an error (Is a directory); so is a device, fifo or socket, which has no content in the "
                + "image."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j cat disk.img:/etc/hostname",
            "  ext4j cat disk.img:/var/log/syslog | grep error",
            "  ext4j cat disk.img:/boot/vmlinuz > vmlinuz"})
public final class CatCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH", description = "A file inside an image, e.g. disk.img:/etc/hostname.")
    List<String> operands;

    @Override
    public Integer call() {
        List<ImagePath> targets = ImageOperands.requirePaths(spec, operands);
        boolean failed = false;
        OutputStream out = main.binaryOut();
        spec.commandLine().getOut().flush();
        for (ImagePath target : targets) {
            try (PosixFileSystem volume = ImageOpener.open(target.image())) {
                Attributes a = new PathWalker(volume, Caller.ROOT).resolve(target.path(), true);
                if (a.type() == FileType.DIRECTORY) {
                    throw new CommandFailure(target.toString(), "Is a directory (use 'ext4j ls' to list it)");
                }
                if (a.type() != FileType.REGULAR) {
                    throw new CommandFailure(target.toString(), "is a " + ModeString.typeName(a.type(), a.size())
                            + ", which has no content in the image");
                }
                ImageFileReader.copy(volume, a, out, null);
                out.flush();
            } catch (IOException | RuntimeException e) {
                failed = true;
                main.report(spec.commandLine(), CommandFailure.of(target.toString(), target.image().toString(), e));
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }
}
