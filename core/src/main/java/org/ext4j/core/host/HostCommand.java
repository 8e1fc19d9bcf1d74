package org.ext4j.core.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of the host's own commands (umount(8), fusermount3, diskutil) and collects what it printed. */
public final class HostCommand {
    /** How long an unmount command may take before it is killed. */
    private static final int TIMEOUT_SECONDS = 60;

    private HostCommand() {
    }

    /** The exit status and the output (stdout and stderr together, stripped). */
    public record Result(int exitValue, String output) {
    }

    /**
     * Runs {@code command} and waits up to a minute.
     *
     * @throws IOException when it cannot start, does not finish in time (it is killed), or the wait is interrupted
     */
    public static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        return new Result(p.exitValue(), output);
    }

    /** {@link #run} that fails, naming the command and its output, on a non-zero exit. */
    public static void runOk(List<String> command) throws IOException {
        Result r = run(command);
        if (r.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + r.exitValue() + "): " + r.output());
        }
    }
}
