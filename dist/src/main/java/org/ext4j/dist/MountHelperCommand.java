package org.ext4j.dist;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ext4j install-mount-helper}: writes the {@code mount.fuse.ext4j} script through which
 * mount(8) and fstab mount type {@code fuse.ext4j}, or removes it again.
 */
@Command(name = "install-mount-helper", mixinStandardHelpOptions = true,
        header = "Install (or remove) mount.fuse.ext4j, so that mount -t fuse.ext4j and fstab work.",
        synopsisHeading = ManPage.SYNOPSIS, descriptionHeading = ManPage.DESCRIPTION,
        optionListHeading = ManPage.OPTIONS, exitCodeListHeading = ManPage.EXIT_STATUS,
        footerHeading = ManPage.EXAMPLES,
        description = {
            "mount(8) runs /sbin/mount.TYPE for a filesystem type it does not know itself, with the "
                + "arguments SOURCE DIR [-sfnv] [-o OPTIONS]. This command writes DIR/mount.fuse.ext4j, a "
                + "small shell script that turns that call into 'ext4j mount -o OPTIONS SOURCE DIR', started "
                + "with the Java and class path this ext4j runs with (install again after moving ext4j). "
                + "Then 'mount -t fuse.ext4j disk.img /mnt/disk -o noatime' and fstab lines of type "
                + "fuse.ext4j work; unmount with umount(8) or ext4j umount. 'mount -o remount,ro DIR' and "
                + "'remount,rw' reach the running server through the helper too. Like every mount helper it prints "
                + "nothing when the mount worked (the server's log names its pid).",
            "",
            "mount(8) looks for helpers in /sbin (also /usr/sbin where /sbin is a link to it), not in "
                + "/usr/local/sbin, so /sbin is the default. Writing there needs root. A file of that name "
                + "that ext4j did not write is left alone."},
        exitCodeList = {ManPage.EXIT_OK, "1:the helper could not be written or removed", ManPage.EXIT_USAGE},
        footer = {"  ext4j install-mount-helper", "  mount -t fuse.ext4j /srv/disk.img /mnt/disk -o noatime",
            "  echo '/srv/disk.img /mnt/disk fuse.ext4j rw,nofail 0 0' >> /etc/fstab",
            "  ext4j install-mount-helper --uninstall"})
public final class MountHelperCommand implements Callable<Integer> {
    /** The helper's file name: mount(8) runs mount.TYPE for type fuse.ext4j. */
    static final String NAME = "mount.fuse.ext4j";
    /** The line that marks a helper this command wrote (and may replace or remove). */
    static final String MARKER = "# written by 'ext4j install-mount-helper'";

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "/sbin",
            description = "Where to write the helper (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--uninstall", description = "Remove the helper instead.")
    boolean uninstall;

    @Override
    public Integer call() throws Exception {
        Path helper = dir.resolve(NAME);
        PrintWriter out = spec.commandLine().getOut();
        if (Files.exists(helper) && !Files.readString(helper, StandardCharsets.UTF_8).contains(MARKER)) {
            throw new CommandFailure(helper.toString(), "exists and was not written by ext4j; leaving it alone");
        }
        if (uninstall) {
            if (!Files.deleteIfExists(helper)) {
                throw new CommandFailure(helper.toString(), "is not installed");
            }
            out.println("ext4j: removed " + helper);
            return 0;
        }
        if (!Files.isDirectory(dir)) {
            throw new CommandFailure(dir.toString(), "no such directory");
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try {
            Path temp = Files.createTempFile(dir, "." + NAME, ".tmp");
            Files.writeString(temp, script(java, absoluteClassPath()), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(temp, helper, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (AccessDeniedException e) {
            throw new CommandFailure(dir.toString(), "permission denied (installing a mount helper needs root)", e);
        }
        out.println("ext4j: installed " + helper + "; mount -t fuse.ext4j IMAGE DIR now runs ext4j mount");
        return 0;
    }

    /** This JVM's class path with every entry absolute (the helper runs from any directory). */
    static String absoluteClassPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The helper script: mount(8)'s argument convention in, ext4j mount's out. */
    static String script(String java, String classPath) {
        return String.join("\n",
                "#!/bin/sh",
                "# mount.fuse.ext4j: mount(8)'s helper for filesystems of type fuse.ext4j.",
                MARKER + "; remove it with 'ext4j install-mount-helper --uninstall'.",
                "# Called as: mount.fuse.ext4j SOURCE DIR [-sfnvrw] [-N NS] [-t TYPE] [-o OPTIONS]",
                "if [ $# -lt 2 ]; then",
                "    echo 'usage: mount.fuse.ext4j IMAGE DIR [-o OPTIONS]' >&2",
                "    exit 1",
                "fi",
                "image=$1",
                "dir=$2",
                "shift 2",
                "opts=",
                "while [ $# -gt 0 ]; do",
                "    case $1 in",
                "        -o) [ $# -ge 2 ] || { echo 'mount.fuse.ext4j: -o needs OPTIONS' >&2; exit 1; }",
                "            opts=${opts:+$opts,}$2; shift 2 ;;",
                "        -o?*) opts=${opts:+$opts,}${1#-o}; shift ;;",
                "        -t|-N) shift 2 ;;",
                "        -t?*|-N?*) shift ;;",
                "        -r) opts=${opts:+$opts,}ro; shift ;;",
                "        -w) opts=${opts:+$opts,}rw; shift ;;",
                "        -*f*) exit 0 ;;",
                "        -[snv]*) shift ;;",
                "        *) echo \"mount.fuse.ext4j: unexpected argument '$1'\" >&2; exit 1 ;;",
                "    esac",
                "done",
                "exec " + quote(java) + " -cp " + quote(classPath) + " " + Main.class.getName()
                        + " mount --helper ${opts:+-o \"$opts\"} -- \"$image\" \"$dir\"",
                "");
    }

    /** {@code s} in single quotes for sh. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
