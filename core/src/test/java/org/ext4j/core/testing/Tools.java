package org.ext4j.core.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

// Runs the external programs the tests use as oracles (mkfs.ext4, debugfs, e2fsck, dumpe2fs, mknod), fails loudly, and reads what dumpe2fs and e2fsck print.
public final class Tools {

    /** Directories searched after {@code PATH}: e2fsprogs lives in sbin, which a non-login PATH may lack. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    /** The default time limit of {@link #run(List)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Tools() {
    }

    /** What a finished command did. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /**
         * Returns this result if the exit code is one of {@code allowed}, else throws an AssertionError
         * that quotes the command line, the exit code and stderr.
         */
        public Result requireExit(int... allowed) {
            for (int code : allowed) {
                if (exitCode == code) {
                    return this;
                }
            }
            throw new AssertionError(describe("exited with " + exitCode));
        }

        /** The command line, the given outcome, and both output streams (stdout cut to 4000 chars). */
        public String describe(String outcome) {
            String out = stdout.length() > 4000 ? stdout.substring(0, 4000) + "..." : stdout;
            return "`" + String.join(" ", command) + "` " + outcome + "\nstderr: " + stderr.strip()
                    + "\nstdout: " + out.strip();
        }
    }

    /**
     * Finds an executable by name on PATH or in the sbin directories; throws an AssertionError naming
     * the Debian package to install when it is absent.
     */
    public static Path require(String name) {
        return find(name).orElseThrow(() -> new AssertionError("required tool '" + name + "' not found on PATH or in "
                + EXTRA_DIRS + " (./scripts/test.sh installs e2fsprogs and friends)"));
    }

    /** True if {@link #require} would find the executable: for tools from optional packages (setfacl, setfattr). */
    public static boolean available(String name) {
        return find(name).isPresent();
    }

    private static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs a command with {@link #DEFAULT_TIMEOUT}; see {@link #run(List, Duration)}. */
    public static Result run(List<String> command) {
        return run(command, DEFAULT_TIMEOUT, Map.of());
    }

    /** Runs a command; see {@link #run(List, Duration, Map)}. */
    public static Result run(List<String> command, Duration timeout) {
        return run(command, timeout, Map.of());
    }

    /**
     * Runs a command to completion with stdin closed, the given extra environment and a time limit,
     * and returns its exit code and output (decoded as UTF-8). The first word is resolved with
     * {@link #require} when it has no slash. A command that cannot start or does not finish in time
     * is killed and reported as an AssertionError with its command line; a non-zero exit code is
     * returned, not thrown: use {@link Result#requireExit}.
     */
    public static Result run(List<String> command, Duration timeout, Map<String, String> environment) {
        List<String> resolved = new ArrayList<>(command);
        if (!resolved.get(0).contains("/")) {
            resolved.set(0, require(resolved.get(0)).toString());
        }
        ProcessBuilder builder = new ProcessBuilder(resolved).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start `" + String.join(" ", resolved) + "`: " + e.getMessage(), e);
        }
        // Both streams are drained concurrently so that a chatty command cannot block on a full pipe.
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("`" + String.join(" ", resolved) + "` did not finish within " + timeout);
            }
            return new Result(List.copyOf(resolved), process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running `" + String.join(" ", resolved) + "`", e);
        }
    }

    /** Runs a command and requires exit code 0. */
    public static Result runOk(List<String> command) {
        return run(command).requireExit(0);
    }

    // One thread per stream: the common pool may have a single thread on a small machine.
    private static void startDaemon(Runnable task) {
        Thread thread = new Thread(task, "tools-drain");
        thread.setDaemon(true);
        thread.start();
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Tools::startDaemon);
    }

    /**
     * Runs {@code shell} (sh -c) in the root of a kernel loop mount of {@code image} on
     * {@code mountpoint} (created if missing), with {@code extraOptions} appended to "loop"
     * (e.g. ",ro"), and unmounts afterwards; returns its standard output. Root only.
     */
    public static String onKernelMount(Path image, Path mountpoint, String extraOptions, String shell) {
        try {
            java.nio.file.Files.createDirectories(mountpoint);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        run(List.of("mount", "-o", "loop" + extraOptions, image.toString(), mountpoint.toString()), Duration.ofSeconds(30))
                .requireExit(0);
        try {
            return run(List.of("sh", "-c", "cd " + mountpoint + " && " + shell), Duration.ofSeconds(30)).requireExit(0).stdout();
        } finally {
            run(List.of("umount", mountpoint.toString()), Duration.ofSeconds(30)).requireExit(0);
        }
    }

    /** A field of {@code dumpe2fs -h IMAGE} (e.g. "Free blocks"), as printed after the colon. */
    public static String dumpe2fsField(Path image, String field) {
        for (String line : runOk(List.of("dumpe2fs", "-h", image.toString())).stdout().split("\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError("dumpe2fs -h " + image + " printed no field '" + field + "'");
    }

    private static final Pattern BITMAP_DIFFERENCE = Pattern.compile("-\\((\\d+)--(\\d+)\\)|-(\\d+)");

    /**
     * The numbers {@code e2fsck -n} lists with a minus sign after "{@code what} bitmap differences:"
     * ({@code what} is "Block" or "Inode"): marked in use in the bitmap but used by nothing.
     */
    public static TreeSet<Long> e2fsckBitmapDifferences(String e2fsckOutput, String what) {
        TreeSet<Long> numbers = new TreeSet<>();
        for (String line : e2fsckOutput.split("\n")) {
            int at = line.indexOf(what + " bitmap differences:");
            if (at < 0) {
                continue;
            }
            Matcher matcher = BITMAP_DIFFERENCE.matcher(line.substring(at));
            while (matcher.find()) {
                if (matcher.group(3) != null) {
                    numbers.add(Long.parseLong(matcher.group(3)));
                } else {
                    for (long n = Long.parseLong(matcher.group(1)); n <= Long.parseLong(matcher.group(2)); n++) {
                        numbers.add(n);
                    }
                }
            }
        }
        return numbers;
    }
}
