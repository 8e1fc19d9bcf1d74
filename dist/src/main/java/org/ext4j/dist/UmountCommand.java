package org.ext4j.dist;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ext4j umount}: unmounts an ext4j mount; the server then flushes, closes the image and exits. */
@Command(name = "umount", mixinStandardHelpOptions = true,
        header = "Unmount a filesystem that ext4j serves.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {"Unmounts MOUNTPOINT (umount(8) as root, fusermount3 -u otherwise). The ext4j server "
            + "sees the unmount, closes the image and exits. A busy mountpoint is an error: close what uses it."},
        exitCodeList = {ManPage.EXIT_OK, "1:not mounted, busy, or the unmount failed", ManPage.EXIT_USAGE},
        footer = {"  ext4j umount /mnt/disk"})
public final class UmountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the image is mounted.")
    Path mountpoint;

    @Override
    public Integer call() throws Exception {
        Path target = mountpoint.toAbsolutePath().normalize();
        if (!MountCommand.isMounted(target)) {
            throw new CommandFailure(mountpoint.toString(), "is not a FUSE mountpoint");
        }
        List<String> cmd = HostSystem.isRoot() ? List.of("umount", target.toString())
                : List.of("fusermount3", "-u", target.toString());
        HostSystem.run(cmd);
        return 0;
    }
}
