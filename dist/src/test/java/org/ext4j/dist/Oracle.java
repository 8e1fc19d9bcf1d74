package org.ext4j.dist;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external tools the CLI tests compare against (mkfs.ext4, debugfs, dumpe2fs, find) and ext4j in-process. */
final class Oracle {
    private Oracle() {
    }

    /** What one in-process ext4j run printed and returned. */
    record Run(int status, byte[] stdoutBytes, String stderr) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }
    }

    /** Runs ext4j with {@code args}, stderr not a terminal. */
    static Run ext4j(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, out, err, false);
        return new Run(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a command, returning stdout; fails on a non-zero exit with its output. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + Arrays.toString(cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException(Arrays.toString(cmd) + " exited " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** mkfs.ext4 -q -F -t ext4 [options] -d src img size. */
    static void mkfs(Path src, Path img, String size, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-t", "ext4"));
        cmd.addAll(Arrays.asList(options));
        cmd.addAll(List.of("-d", src.toString(), img.toString(), size));
        run(cmd.toArray(new String[0]));
    }

    /** Output of one debugfs request on {@code img} (read-only). */
    static String debugfs(Path img, String request) throws IOException, InterruptedException {
        return run("debugfs", "-R", request, img.toString());
    }

    /** One debugfs request with the image opened for writing. */
    static void debugfsWrite(Path img, String request) throws IOException, InterruptedException {
        run("debugfs", "-w", "-R", request, img.toString());
    }

    /** True when {@code tool} is on the PATH. */
    static boolean available(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
