package org.ext4j.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.SetAttr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j mkdir}: makes directories inside an image, like mkdir(1). */
@Command(name = "mkdir", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Make directories inside an ext4 image (like mkdir).",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Makes each IMAGE:PATH a new directory. The image is opened for writing. Without -p the "
                + "parent must exist and the directory must not; with -p missing parents are made too and "
                + "an existing directory is not an error.",
            "",
            "New directories get mode 0777 less the umask, or MODE with -m; parents made by -p also "
                + "get owner write and search (u+wx), as mkdir -p does. They belong to root (uid 0)."},
        exitCodeList = {ManPage.EXIT_OK, ManPage.EXIT_FAILED, ManPage.EXIT_USAGE},
        footer = {"  ext4j mkdir disk.img:/srv",
            "  ext4j mkdir -p -m 700 disk.img:/home/alice/.ssh"})
public final class MkdirCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--parents"}, description = "Make missing parents; no error if the directory exists.")
    boolean parents;

    @Option(names = {"-m", "--mode"}, paramLabel = "MODE", description = "Permission bits in octal (e.g. 755).")
    String modeText;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH", description = "Directories to make.")
    List<String> operands;

    private boolean failed;

    @Override
    public Integer call() throws IOException {
        int umask = HostSystem.umask();
        int mode = 0777 & ~umask;
        if (modeText != null) {
            if (!modeText.matches("[0-7]{1,4}")) {
                throw new ParameterException(spec.commandLine(), "invalid mode '" + modeText + "' (give octal bits, e.g. 755)");
            }
            mode = Integer.parseInt(modeText, 8);
        }
        List<ImagePath> paths = ImageOperands.requirePaths(spec, operands);
        try (ImageSession images = new ImageSession()) {
            for (ImagePath p : paths) {
                try {
                    make(images.volume(p.image()), p.path(), mode, umask);
                } catch (RuntimeException e) {
                    fail(p, e);
                }
            }
        }
        return failed ? Main.EXIT_FAILURE : 0;
    }

    private void make(PosixFileSystem fs, String path, int mode, int umask) {
        if (!parents) {
            ImagePlace place = ImagePlace.of(fs, path);
            Attributes made = fs.mkdir(Caller.ROOT, place.parent().ino(), place.nameBytes(), mode);
            fixMode(fs, made, mode);
            return;
        }
        Attributes dir = fs.getattr(InodeFileSystem.ROOT_INO);
        String[] names = path.split("/");
        int last = names.length - 1;
        while (last >= 0 && (names[last].isEmpty() || names[last].equals("."))) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            String name = names[i];
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            String sofar = String.join("/", Arrays.copyOfRange(names, 0, i + 1));
            Attributes next;
            try {
                next = new PathWalker(fs, Caller.ROOT).resolve(sofar.isEmpty() ? "/" : sofar, true);
            } catch (Ext4Exception e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                int m = i == last ? mode : (0777 & ~umask) | 0300;
                next = fs.mkdir(Caller.ROOT, dir.ino(), name.getBytes(StandardCharsets.UTF_8), m);
                fixMode(fs, next, m);
            }
            if (next.type() != FileType.DIRECTORY) {
                throw new Ext4Exception(Errno.ENOTDIR, "/" + sofar.replaceFirst("^/+", "") + " exists and is not a directory");
            }
            dir = next;
        }
    }

    /** mkdir(2) may drop bits such as setgid; -m asks for exactly MODE, so mkdir(1) chmods afterwards, and so does this. */
    private static void fixMode(PosixFileSystem fs, Attributes made, int mode) {
        if (made.permissions() != mode) {
            fs.setattr(Caller.ROOT, made.ino(), -1, SetAttr.chmod(mode));
        }
    }

    private void fail(ImagePath what, Throwable e) {
        failed = true;
        main.report(spec.commandLine(), CommandFailure.of(what.toString(), what.image().toString(), e));
    }
}
