package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ext4j umount}: unmounts an ext4j mount; the server then flushes, closes the image and exits. */
@Command(name = "umount", mixinStandardHelpOptions = true,
        header = "Unmount a filesystem that ext4j serves.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {"Unmounts MOUNTPOINT the way the backend that sees it mounted does it; on Linux: umount(8) as "
            + "root, fusermount3 -u as a normal user (who may unmount only what they mounted); the winfsp backend "
            + "(Windows) cannot unmount from another process yet: press Ctrl-C where ext4j mount -f runs. The ext4j "
            + "server sees "
            + "the unmount, writes "
            + "what is pending, closes the image and exits. A busy mountpoint is an error unless -l is given: "
            + "close what uses it (fuser -vm MOUNTPOINT shows who). A mount whose server died ('Transport "
            + "endpoint is not connected') is removed the same way, with -l when it is still in use."},
        exitCodeList = {ManPage.EXIT_OK, "1:not mounted, busy, or the unmount failed", ManPage.EXIT_USAGE},
        footer = {"  ext4j umount /mnt/disk", "  ext4j umount -l /mnt/disk"})
public final class UmountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-l", "--lazy"}, description = "Detach now, finish when the last user leaves (umount -l, "
            + "fusermount3 -u -z).")
    boolean lazy;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the image is mounted.")
    Path mountpoint;

    @Override
    public Integer call() throws Exception {
        Path target = mountpoint.toAbsolutePath().normalize();
        Optional<Backend> serving = Backends.discover().servingMount(target);
        if (serving.isEmpty()) {
            throw new CommandFailure(mountpoint.toString(), "is not a FUSE mountpoint");
        }
        try {
            serving.get().unmount(target, lazy);
        } catch (IOException e) {
            String message = e.getMessage();
            String prefix = target + " ";
            throw new CommandFailure(mountpoint.toString(), message.startsWith(prefix) ? message.substring(prefix.length())
                    : message, e);
        }
        return 0;
    }
}
