package org.ext4j.dist;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.linux.LinuxBackend;
import org.ext4j.linux.mount.FuseMount;
import org.ext4j.linux.mount.MountOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ext4j mount}: serves an image through FUSE on a mountpoint. */
@Command(name = "mount", mixinStandardHelpOptions = true,
        header = "Mount an ext4 image or block device through FUSE, read-write unless told read-only.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        parameterListHeading = ManPage.OPERANDS, optionListHeading = ManPage.OPTIONS,
        exitCodeListHeading = ManPage.EXIT_STATUS, footerHeading = ManPage.EXAMPLES,
        description = {
            "Mounts IMAGE on MOUNTPOINT. On Linux ext4j speaks the FUSE kernel protocol itself over "
                + "/dev/fuse (no libfuse needed); it must run as root for now (mounting as a normal user "
                + "through fusermount3 is not implemented yet).",
            "",
            "Without -f the command starts the server in the background, waits until the mount is "
                + "live, prints where the server logs, and exits. With -f it stays in the foreground "
                + "until the filesystem is unmounted (ext4j umount, umount, fusermount3 -u) or it gets "
                + "SIGINT/SIGTERM, which unmount cleanly before exiting.",
            "",
            "The mount is read-write unless -r or -o ro is given; a read-only mount answers EROFS to every "
                + "change and never writes to the image. A filesystem with a feature ext4j cannot write comes up "
                + "read-only and must be mounted with -r. Data written through the mount is on the image when "
                + "the server has exited (after umount, or at fsync(2) of a file)."},
        exitCodeList = {ManPage.EXIT_OK, "1:the image could not be opened or the mount failed", ManPage.EXIT_USAGE},
        footer = {"  ext4j mount disk.img /mnt/disk", "  ext4j mount -f -o allow_other disk.img /mnt/disk",
            "  ext4j umount /mnt/disk"})
public final class MountCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Which backend serves the mount: auto (the best one this system has) or linux.")
    String backend;

    @Option(names = "-o", paramLabel = "OPTIONS", split = ",",
            description = "Mount options, comma-separated, as mount(8) takes them: ro, allow_other, "
                    + "rw, default_permissions (always on), fsname=NAME, noatime, relatime, nonempty. "
                    + "Unknown options are refused.")
    List<String> options = new ArrayList<>();

    @Option(names = {"-r", "--read-only"}, description = "Mount read-only: the image is never written.")
    boolean readOnly;

    @Option(names = "-f", description = "Stay in the foreground until unmounted.")
    boolean foreground;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The ext4 image file or block device.")
    Path image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
    Path mountpoint;

    @Override
    public Integer call() throws Exception {
        MountOptions opts = parseOptions();
        if (!backend.equals("auto") && !backend.equals("linux")) {
            throw new CommandFailure(backend, "unknown backend (available on this system: "
                    + (LinuxBackend.isAvailable() ? "linux" : "none") + ")");
        }
        String why = LinuxBackend.unavailableReason();
        if (why != null) {
            throw new CommandFailure("mount", "no FUSE backend can run here: " + why);
        }
        if (!HostSystem.isRoot()) {
            throw new CommandFailure("mount", "mounting as a normal user needs fusermount3, which ext4j does not "
                    + "drive yet; run as root");
        }
        if (isMounted(mountpoint.toAbsolutePath().normalize())) {
            throw new CommandFailure(mountpoint.toString(), "is already a mountpoint (unmount it first: ext4j umount "
                    + mountpoint + ")");
        }
        // The clear errors of a missing, unreadable, damaged or (for rw) unwritable image, before mounting.
        Ext4Volume volume = opts.readOnly() ? ImageOpener.open(image) : ImageOpener.openWritable(image);
        if (!foreground) {
            volume.close();
            return startInBackground();
        }
        FuseMount mount;
        try {
            mount = LinuxBackend.mount(volume, mountpoint, opts);
        } catch (IOException | RuntimeException e) {
            volume.close();
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("ext4j: serving " + image + " on " + mountpoint + " (" + mode(opts) + "); unmount with 'ext4j umount "
                + mountpoint + "' or Ctrl-C");
        out.flush();
        mount.waitUntilUnmounted();
        return 0;
    }

    private static String mode(MountOptions opts) {
        return opts.readOnly() ? "read-only" : "read-write";
    }

    /** The mount options, validated: what the backend understands, or a usage error. */
    MountOptions parseOptions() {
        MountOptions opts = MountOptions.readWrite(image.toAbsolutePath().toString()).withReadOnly(readOnly);
        for (String o : options) {
            String name = o.contains("=") ? o.substring(0, o.indexOf('=')) : o;
            switch (name) {
                case "default_permissions", "noatime", "relatime", "nosuid", "nodev" -> { }
                case "ro" -> opts = opts.withReadOnly(true);
                case "rw" -> opts = opts.withReadOnly(false);
                case "allow_other" -> opts = opts.withAllowOther(true);
                case "nonempty" -> opts = opts.withAllowNonEmpty(true);
                case "fsname" -> opts = new MountOptions(opts.readOnly(), opts.allowOther(), opts.readerThreads(),
                        o.substring(o.indexOf('=') + 1), opts.allowNonEmpty(), opts.extraOptions());
                default -> throw usage("unknown mount option '" + o + "' (see ext4j mount --help)");
            }
        }
        return opts;
    }

    private picocli.CommandLine.ParameterException usage(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Starts this command again with -f as a detached child (the JVM cannot fork), waits until
     * the mountpoint shows up in /proc/self/mounts, and leaves the server running.
     */
    private int startInBackground() throws IOException, InterruptedException {
        Path log = Files.createTempFile("ext4j-mount-", ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classPath, Main.class.getName(), "mount", "-f",
                "--backend", backend));
        if (readOnly) {
            cmd.add("--read-only");
        }
        for (String o : options) {
            cmd.add("-o");
            cmd.add(o);
        }
        cmd.add(image.toAbsolutePath().toString());
        cmd.add(mountpoint.toAbsolutePath().toString());
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Path target = mountpoint.toAbsolutePath().normalize();
        for (int i = 0; i < 300; i++) {
            if (isMounted(target)) {
                PrintWriter out = spec.commandLine().getOut();
                out.println("ext4j: mounted " + image + " on " + mountpoint + " (" + mode(parseOptions()) + "; server pid "
                        + server.pid() + ", log " + log + ")");
                out.flush();
                return 0;
            }
            if (!server.isAlive()) {
                String text = Files.readString(log, StandardCharsets.UTF_8).strip();
                throw new CommandFailure("mount", text.isEmpty() ? "the server exited with " + server.exitValue() : text);
            }
            Thread.sleep(100);
        }
        server.destroy();
        throw new CommandFailure("mount", "the mount did not appear within 30 s (see " + log + ")");
    }

    /** True when {@code dir} is a mountpoint of a fuse.ext4j filesystem now. */
    static boolean isMounted(Path dir) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[1].equals(dir.toString()) && f[2].startsWith("fuse")) {
                return true;
            }
        }
        return false;
    }
}
