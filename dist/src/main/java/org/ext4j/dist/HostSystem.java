package org.ext4j.dist;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What the commands need to know about the machine they run on: root or not, and external tools. */
final class HostSystem {
    /** Where system tools live even when they are not on an ordinary user's PATH. */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin");

    private HostSystem() {
    }

    /**
     * True when this process runs as root (it may then chown and mknod). Read from the owner of
     * /proc/self, which is the effective uid; without /proc the answer is "not root".
     */
    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The executable {@code tool} from PATH or the sbin directories, if there is one. */
    static Optional<Path> findTool(String tool) {
        String path = System.getenv("PATH");
        List<String> dirs = new java.util.ArrayList<>();
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(SBIN);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Runs a command to completion; its stderr becomes the message of the IOException on failure. */
    static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + status + "): "
                    + new String(output, StandardCharsets.UTF_8).strip());
        }
    }

    /** Runs a command to completion and returns its standard output (stderr merged). */
    static String output(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        return text;
    }

    /**
     * This process's file-creation mask, as a child shell inherits it (Java has no umask call);
     * 022, the usual default, when it cannot be read.
     */
    static int umask() {
        try {
            return Integer.parseInt(output(List.of("sh", "-c", "umask")).strip(), 8) & 0777;
        } catch (IOException | NumberFormatException e) {
            return 022;
        }
    }
}
