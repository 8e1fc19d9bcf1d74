package org.ext4j.dist;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptionParser;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.host.ImageLock;
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
            "Mounts IMAGE on MOUNTPOINT through a backend (see ext4j backends; --backend chooses). The "
                + "default on Linux, the linux backend, speaks the FUSE kernel protocol itself over "
                + "/dev/fuse (no libfuse needed). As root it calls mount(2) itself; a normal user mounts "
                + "through the setuid fusermount3 of the fuse3 package (the user must be able to write "
                + "MOUNTPOINT, and to read, for a read-write mount also write, IMAGE).",
            "",
            "BACKENDS: --backend auto (the default) is the backend made for this system: linux on Linux, "
                + "macfuse on macOS, fuse3 (libfuse3) on FreeBSD, winfsp on Windows. Naming one that this build "
                + "lacks or that cannot run here fails with one line saying why and what to install. Every "
                + "backend takes the options below; one that cannot honour an option refuses it by name.",
            "",
            "IMAGE may be an image file or a block device. As root a block device is mounted with type "
                + "fuseblk: the kernel claims the device (no other mount, mkfs or e2fsck can open it "
                + "exclusively meanwhile) and umount waits until ext4j has written everything. An image file "
                + "is mounted with type fuse.ext4j: umount returns at once and the server finishes writing "
                + "and exits right after.",
            "",
            "Without -f the command starts the server in the background, waits until the mount is "
                + "live, prints where the server logs, and exits. With -f it stays in the foreground "
                + "until the filesystem is unmounted (ext4j umount, umount, fusermount3 -u) or it gets "
                + "SIGINT (Ctrl-C) or SIGTERM, which unmount it like ext4j umount (lazily when busy) and exit with "
                + "status 0 once everything is written and the image is released; a second signal exits at once. "
                + "On Windows (winfsp) ext4j umount cannot reach the server yet: mount with -f and press Ctrl-C "
                + "in its window.",
            "",
            "The mount is read-write unless --read-only or -o ro is given; a read-only mount answers EROFS "
                + "to every change and never writes to the image. A filesystem with a feature ext4j cannot "
                + "write comes up read-only and must be mounted read-only. Changes reach the image at fsync(2) "
                + "of a file, at sync, every commit= seconds, and when the server exits.",
            "",
            "MOUNT OPTIONS (-o, comma-separated, as mount(8) takes them; a later one wins):",
            "  ro, rw            read-only, or read-write (the default).",
            "  allow_other       let other users in (a normal user needs user_allow_other in /etc/fuse.conf).",
            "  default_permissions  always on: the kernel checks permissions from the modes and ACLs shown.",
            "  uid=N, gid=N      show every file as owned by user N / group N, as ntfs-3g does, e.g. to use a disk "
                + "from another machine as your own. Writes by that user are carried out as the on-disk owner of "
                + "the file or directory they touch: new files take their directory's on-disk owner and group, "
                + "chown changes the on-disk owner only as the on-disk owner could; stat keeps showing N. Other "
                + "users keep their own identity and need the permission both shown and on-disk ownership give.",
            "  commit=N          write committed changes at least every N seconds (default 5, as the kernel's "
                + "ext4; 0 means the default).",
            "  errors=continue|remount-ro|panic  what finding damage does: go on refusing only what is damaged, "
                + "or stop writing at the first error (panic stops writing too; it cannot stop the machine). "
                + "Default: the image's own setting (tune2fs -e). Either way the error is recorded in the "
                + "superblock and the next e2fsck is forced.",
            "  fsname=NAME       the source name /proc/mounts shows (default: the image path; a fuseblk mount "
                + "always shows the device).",
            "  noatime, relatime, strictatime, atime  when reads update access times (default relatime).",
            "  nodiratime, diratime  whether listing a directory updates its access time (default: as atime says).",
            "  noexec, exec      forbid or allow running programs from the mount.",
            "  nonempty          mount over a directory that has entries.",
            "  io_uring=auto|off|on  (Linux backend) FUSE over io_uring (Linux 6.14+, with Y in "
                + "/sys/module/fuse/parameters/enable_uring) or /dev/fuse: auto uses the ring when the kernel "
                + "offers it, off never, on fails the mount without it. Default: auto, or the ext4j.io_uring "
                + "Java system property.",
            "  nosuid, nodev     accepted; ext4j mounts are always nosuid,nodev.",
            "  defaults, auto, noauto, nofail, _netdev, x-*, comment=  fstab's own options, accepted and ignored.",
            "Any other option is refused with its name, and so is an option the chosen backend cannot honour.",
            "",
            "REMOUNT: 'mount -o remount,ro DIR' (through the mount helper) or 'ext4j mount -o remount,ro DIR' "
                + "makes a read-write mount read-only: ext4j writes out everything committed and checkpoints the "
                + "journal, so the image is complete and clean (e2fsck -fn passes) while it stays mounted, and every "
                + "change answers EROFS. The kernel refuses (busy) while files are open for writing. "
                + "'-o remount,rw' makes it writable again. Only ro and rw can change; the other options must "
                + "restate the mount's. A mount made read-only from the start cannot become read-write (the image "
                + "was opened read-only), nor can a normal user's mount made through fusermount3.",
            "",
            "LOCKING: a read-write mount holds an exclusive lock on IMAGE, whatever name or link reaches it (a "
                + "file lock the OS keeps for every ext4j; on Linux also flock(2) and, for a block device, the "
                + "kernel's exclusive claim). A second ext4j mount, an ext4j cp/mkdir/rm/mv/ln into the image, "
                + "or flock -n on it fail at once and, on Linux, name the process holding it. e2fsprogs takes no "
                + "lock on image files: do not run a repairing e2fsck on a mounted image file.",
            "",
            "FSTAB: after 'ext4j install-mount-helper', 'mount -t fuse.ext4j IMAGE DIR -o OPTIONS' and fstab "
                + "lines such as",
            "  /srv/disk.img  /mnt/disk  fuse.ext4j  rw,noatime,commit=30,nofail  0  0",
            "work as for any filesystem.",
            "",
            "If the server is killed (kill -9) the mountpoint answers 'Transport endpoint is not connected' "
                + "until it is cleaned up with umount -l (root) or fusermount3 -u; changes not yet written are "
                + "lost, and e2fsck -fy IMAGE makes the image consistent again (everything fsync'd before stays)."},
        exitCodeList = {ManPage.EXIT_OK, "1:the image could not be opened, is in use, or the mount failed",
            ManPage.EXIT_USAGE},
        footer = {"  ext4j mount disk.img /mnt/disk", "  ext4j mount -f -o allow_other,uid=1000,gid=1000 disk.img /mnt/disk",
            "  ext4j mount --read-only /dev/sdb1 /mnt/usb", "  ext4j umount /mnt/disk",
            "  ext4j mount -f disk.img X:          (Windows: drive X:, or * for the first free letter)"})
public final class MountCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = Backends.AUTO,
            description = "Which backend serves the mount: auto (the one made for this system) or a name "
                + "from ext4j backends.")
    String backend;

    @Option(names = "-o", paramLabel = "OPTIONS",
            description = "Mount options, comma-separated (see MOUNT OPTIONS); may be given more than once.")
    List<String> options = new ArrayList<>();

    @Option(names = {"-r", "--read-only"}, description = "Mount read-only: the image is never written.")
    boolean readOnly;

    @Option(names = "-f", description = "Stay in the foreground until unmounted.")
    boolean foreground;

    @Option(names = "--helper", hidden = true,
            description = "Run by mount(8) through mount.fuse.ext4j: print nothing when it worked.")
    boolean helper;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The ext4 image file or block device "
            + "(with -o remount, the mountpoint alone will do).")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory "
            + "(on Windows: a drive letter such as X:, * for the first free one, or a folder that does not exist yet).")
    String mountpointText;

    /** The mount point as the chosen backend reads MOUNTPOINT. */
    Path mountpoint;

    @Override
    public Integer call() throws Exception {
        Backend chosen = chooseBackend(backend);
        mountpoint = mountpointText == null ? null : chosen.mountPoint(mountpointText);
        if (isRemount()) {
            return remount(chosen);
        }
        if (mountpoint == null) {
            throw usage("MOUNTPOINT is missing (see ext4j mount --help)");
        }
        MountOptions opts = parseOptions(chosen);
        Path target = mountpoint.toAbsolutePath().normalize();
        if (chosen.isMounted(target)) {
            throw new CommandFailure(mountpoint.toString(), "is busy: something is already mounted there (unmount it "
                    + "first: ext4j umount " + mountpoint + ")");
        }
        if (foreground && !opts.readOnly() && Runtime.getRuntime().availableProcessors() > 1) {
            // Beside the open and the mount below, on another CPU; see ServerWarmup.
            ServerWarmup.start(System.err);
        }
        ImageLock lock = lock(opts);
        PosixFileSystem volume;
        try {
            // The clear errors of a missing, unreadable, damaged or (for rw) unwritable image, before mounting.
            volume = opts.readOnly() ? ImageOpener.open(image, opts.openOptions())
                    : ImageOpener.openWritable(image, opts.openOptions());
        } catch (RuntimeException e) {
            closeLock(lock);
            throw e;
        }
        if (!foreground) {
            volume.close();
            closeLock(lock);
            return startInBackground(chosen, opts);
        }
        MountHandle mount;
        try {
            mount = chosen.mount(new Volume(volume, image, lock), mountpoint, opts);
        } catch (IOException | RuntimeException e) {
            volume.close();
            closeLock(lock);
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(SERVING + image + " on " + mountpoint + " (" + mount.describe() + "; backend " + chosen.name()
                + "); " + chosen.howToUnmount(mountpoint));
        out.flush();
        try (StopSignals stop = StopSignals.install(mount, spec.commandLine().getErr())) {
            mount.waitUntilUnmounted();
        }
        return 0;
    }

    /**
     * The backend {@code name} names ({@code auto}: the one made for this OS), or the one-line
     * refusal: no such backend, or why it cannot run here and what to install.
     */
    static Backend chooseBackend(String name) {
        try {
            return Backends.discover().select(name, HostOs.current());
        } catch (Backends.BackendChoiceException e) {
            throw new CommandFailure(e.what(), e.why(), e);
        }
    }

    /** True when the options ask to change a live mount ({@code -o remount,...}). */
    private boolean isRemount() {
        return options.stream().flatMap(list -> java.util.Arrays.stream(list.split(","))).anyMatch("remount"::equals);
    }

    /** {@code -o remount,...}: hands the options to the server of the mount, which does the rest. */
    private int remount(Backend chosen) {
        Path target = (mountpoint != null ? mountpoint : image).toAbsolutePath().normalize();
        List<String> requested = new ArrayList<>(options);
        if (readOnly) {
            requested.add("ro");
        }
        String state;
        try {
            state = chosen.remount(target, requested);
        } catch (IOException e) {
            throw new CommandFailure("remount", e.getMessage(), e);
        }
        if (!helper) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("ext4j: remounted " + target + " " + state);
            out.flush();
        }
        return 0;
    }

    /** The image lock of a read-write mount (none for read-only), or the clear refusal. */
    private ImageLock lock(MountOptions opts) {
        return opts.readOnly() ? null : ImageOpener.lockForWriting(image);
    }

    private static void closeLock(ImageLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    /**
     * The mount options, validated: the shared vocabulary, with what {@code chosen} cannot honour
     * refused, or a usage error naming the option.
     */
    MountOptions parseOptions(Backend chosen) {
        MountOptions base = MountOptions.readWrite(image.toAbsolutePath().toString()).withReadOnly(readOnly);
        try {
            MountOptions parsed = MountOptionParser.parse(base, options, chosen);
            // --read-only wins over a later rw: it is the stronger promise.
            return readOnly ? parsed.withReadOnly(true) : parsed;
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage() + " (see ext4j mount --help)");
        }
    }

    private picocli.CommandLine.ParameterException usage(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** How a foreground server's line starts once it serves requests; the background mount waits for it. */
    static final String SERVING = "ext4j: serving ";

    /**
     * The background server's JVM: a bounded heap (the block cache, a running transaction and the
     * request buffers fit in it many times over) and the serial collector, whose footprint is the
     * smallest, so that the server's resident size stays under 256 MB however long it runs; and
     * the C1 compiler only: each mount is a fresh JVM, and C2 compiling the paths a workload first
     * takes cost more CPU than its faster code saved; and a tenth of C1's compile thresholds, so
     * that the warm-up ({@link ServerWarmup}) leaves more of the write path compiled
     * (docs/decisions.md).
     */
    static final List<String> SERVER_JVM_OPTIONS = List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:CompileThresholdScaling=0.1", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=64m", "-Xss512k");

    /**
     * Starts this command again with -f as a detached child (the JVM cannot fork), waits until
     * the backend sees the mount, and leaves the server running.
     */
    private int startInBackground(Backend chosen, MountOptions opts) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ext4j-mount-", ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(SERVER_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, Main.class.getName(), "mount", "-f", "--backend", chosen.name()));
        if (helper) {
            cmd.add("--helper");
        }
        if (readOnly) {
            cmd.add("--read-only");
        }
        for (String o : options) {
            cmd.add("-o");
            cmd.add(o);
        }
        cmd.add(image.toAbsolutePath().toString());
        cmd.add(mountpoint.toAbsolutePath().toString());
        if (HostSystem.findTool("setsid").isPresent()) {
            // Its own session: closing the terminal that ran ext4j mount must not hang up the server.
            cmd.add(0, "setsid");
        }
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File(HostOs.current() == HostOs.WINDOWS ? "NUL" : "/dev/null")))
                .start();
        Path target = mountpoint.toAbsolutePath().normalize();
        for (int i = 0; i < 300; i++) {
            // Mounted, and the server done with its own start (INIT, its readahead and remount
            // set-up): an unmount or remount sent the moment the mount shows would otherwise meet
            // the server's own stat of the mountpoint (busy) or no remount listener yet.
            if (chosen.isMounted(target) && Files.readString(log, StandardCharsets.UTF_8).contains(SERVING)) {
                // mount(8) helpers say nothing when they worked; the server's log keeps this line.
                String line = "ext4j: mounted " + image + " on " + mountpoint + " (" + (opts.readOnly() ? "read-only" : "read-write")
                        + "; backend " + chosen.name() + "; server pid " + server.pid() + ", log " + log + ")";
                if (helper) {
                    Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                } else {
                    PrintWriter out = spec.commandLine().getOut();
                    out.println(line);
                    out.flush();
                }
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

    /** True when some backend of this build sees a mount on {@code dir} now. */
    static boolean isMounted(Path dir) throws IOException {
        return Backends.discover().servingMount(dir).isPresent();
    }
}
