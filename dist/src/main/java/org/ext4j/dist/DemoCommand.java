package org.ext4j.dist;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.HostOs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j demo}: builds a small sample image with mkfs.ext4 and tours it with the other commands. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Build a small sample ext4 image and show what ext4j can do with it.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Creates a sample tree (a README, a few text files, a subdirectory, a symbolic link, a "
                + "hard link, a hidden file and a 3 MiB binary file), turns it into a 16 MiB ext4 image "
                + "with 'mkfs.ext4 -d' (from e2fsprogs; nothing is mounted), then runs info, ls -l -a -R, "
                + "cat and stat on it; then, where a FUSE backend can run (Linux, /dev/fuse, root), mounts it "
                + "read-only, lists and reads it with ls, cat and df through the mount, and unmounts; and "
                + "prints what to try next. The image is kept in DIR."},
        exitCodeList = {ManPage.EXIT_OK, "1:mkfs.ext4 is missing or failed, or a step of the tour failed",
            ManPage.EXIT_USAGE},
        footer = {"  ext4j demo", "  ext4j demo --dir /tmp/ext4j-demo"})
public final class DemoCommand implements Callable<Integer> {
    /** Size of the larger sample file: several blocks and more than one extent's worth of reads. */
    static final int BIG_FILE_SIZE = 3 * 1024 * 1024;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to put the sample tree and image (default: a new temporary directory).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Optional<Path> mkfs = HostSystem.findTool("mkfs.ext4");
        if (mkfs.isEmpty()) {
            throw new CommandFailure("mkfs.ext4", "not found: the demo builds its image with it; "
                    + "install e2fsprogs (apt-get install e2fsprogs, dnf install e2fsprogs, brew install e2fsprogs)");
        }
        Path base = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("ext4j-demo-");
        Path tree = base.resolve("tree");
        Path image = base.resolve("demo.img");
        if (Files.exists(tree)) {
            throw new CommandFailure(tree.toString(), "already exists (choose an empty --dir, or remove it)");
        }
        writeSampleTree(tree);
        HostSystem.run(List.of(mkfs.get().toString(), "-q", "-F", "-t", "ext4", "-d", tree.toString(),
                "-L", "ext4j-demo", image.toString(), "16M"));

        out.println("Built " + image + " from the sample tree " + tree + " with mkfs.ext4 -d.");
        String img = image.toString();
        int status = 0;
        status |= section(out, "info " + img, "info", img);
        status |= section(out, "ls -l -a -R " + img, "ls", "-l", "-a", "-R", img);
        status |= section(out, "cat " + img + ":/README.txt", "cat", img + ":/README.txt");
        status |= section(out, "stat " + img + ":/docs/notes.txt", "stat", img + ":/docs/notes.txt");
        status |= mountTour(out, image);
        out.println();
        out.println("== Try next ==");
        out.println("  ./ext4j ls -l " + img + ":/docs");
        out.println("  ./ext4j cat " + img + ":/link-to-hello");
        out.println("  ./ext4j cp -r -p " + img + ":/ /tmp/ext4j-demo-copy");
        out.println("  ./ext4j --help");
        out.println("The image stays at " + image + "; remove " + base + " when done.");
        out.flush();
        return status == 0 ? 0 : Main.EXIT_FAILURE;
    }

    /**
     * Mounts the image read-only through the backend made for this system, lists and reads it
     * with the system's own tools, and unmounts. Where no backend can run (none for this OS, no
     * FUSE installed, not root) it says why and returns success: the read commands above already
     * showed the image.
     */
    private int mountTour(PrintWriter out, Path image) {
        out.println();
        Backend backend = null;
        String why;
        try {
            backend = Backends.discover().select(Backends.AUTO, HostOs.current());
            why = HostSystem.isRoot() ? null : "mounting needs root for now";
        } catch (Backends.BackendChoiceException e) {
            why = e.getMessage();
        }
        if (why != null) {
            out.println("== mount: skipped (" + why + ") ==");
            out.flush();
            return 0;
        }
        Path mnt = image.resolveSibling("mnt");
        try {
            Files.createDirectories(mnt);
            out.println("== ext4j mount " + image + " " + mnt + "  (read-only, backend " + backend.name() + ") ==");
            out.flush();
            MountOptions options = MountOptions.readOnly(image.toString());
            PosixFileSystem volume = ImageOpener.open(image, options.openOptions());
            MountHandle handle;
            try {
                handle = backend.mount(new Volume(volume, image, null), mnt, options);
            } catch (IOException | RuntimeException e) {
                volume.close();
                throw e;
            }
            try {
                out.println("$ ls -la " + mnt);
                out.print(HostSystem.output(List.of("ls", "-la", mnt.toString())));
                out.println("$ cat " + mnt.resolve("docs/deep/nested.txt"));
                out.print(Files.readString(mnt.resolve("docs/deep/nested.txt")));
                out.println("$ df -h " + mnt);
                out.print(HostSystem.output(List.of("df", "-h", mnt.toString())));
            } finally {
                // Also after a failed step: the tour never leaves a mount behind.
                handle.unmount();
            }
            out.println("unmounted " + mnt);
            out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            out.flush();
            main.report(spec.commandLine(), CommandFailure.of("mount", image.toString(), e));
            return 1;
        }
    }

    /** Runs one tour step in-process with a header, on the same streams. */
    private int section(PrintWriter out, String title, String... args) {
        out.println();
        out.println("== ext4j " + title + " ==");
        out.flush();
        return spec.root().commandLine().execute(args) == 0 ? 0 : 1;
    }

    /** Writes the sample tree the demo image is built from. */
    static void writeSampleTree(Path tree) throws IOException {
        Files.createDirectories(tree.resolve("docs/deep"));
        Files.writeString(tree.resolve("README.txt"),
                "This file lives inside an ext4 image.\n"
                + "ext4j read it without mounting anything: no kernel driver, no root.\n");
        Files.writeString(tree.resolve("hello.txt"), "hello, ext4\n");
        Files.writeString(tree.resolve("docs/notes.txt"), "Notes: directories, symlinks and hard links all work.\n");
        Files.writeString(tree.resolve("docs/deep/nested.txt"), "three levels down\n");
        Files.writeString(tree.resolve(".hidden"), "shown by ls -a\n");
        Path script = tree.resolve("run.sh");
        Files.writeString(script, "#!/bin/sh\necho run from an ext4 image\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree.resolve("link-to-hello"), Path.of("hello.txt"));
        Files.createLink(tree.resolve("docs/hello-hardlink.txt"), tree.resolve("hello.txt"));
        byte[] big = new byte[BIG_FILE_SIZE];
        new Random(42).nextBytes(big);
        Files.write(tree.resolve("data.bin"), big);
        Files.write(tree.resolve("docs/ascii.txt"), "plain ASCII text\n".repeat(100).getBytes(StandardCharsets.US_ASCII));
    }
}
