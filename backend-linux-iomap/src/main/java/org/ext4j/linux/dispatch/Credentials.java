package org.ext4j.linux.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.ext4j.core.spi.Caller;
import org.ext4j.linux.protocol.InHeader;

/**
 * The {@link Caller} of a request. The FUSE header carries only the fsuid, fsgid and thread id;
 * the supplementary groups the core's permission checks need are read from
 * {@code /proc/<pid>/status}, when a check first needs them. That read races with the caller: between the request and the read
 * the task may call setgroups(2), or exit and have its pid reused by another process, and then
 * the groups are not the ones the request was made with. The kernel has already checked access
 * with the real credentials (default_permissions), so the race can only make the core refuse
 * what the kernel allowed, or keep or drop a setgid bit as another group list would.
 */
final class Credentials {
    private Credentials() {
    }

    static Caller of(InHeader h) {
        if (h.uid() == 0) {
            return new Caller(0, h.gid(), new long[0], h.pid());
        }
        // Read on first need only: most checks are settled by the owner or the primary group.
        long pid = h.pid();
        return Caller.withGroupsOnDemand(h.uid(), h.gid(), () -> supplementaryGroups(pid), pid);
    }

    /** The "Groups:" line of /proc/PID/status; empty when the task is already gone. */
    static long[] supplementaryGroups(long pid) {
        if (pid <= 0) {
            return new long[0];
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("Groups:")) {
                    String list = line.substring("Groups:".length()).trim();
                    return list.isEmpty() ? new long[0]
                            : Arrays.stream(list.split("\\s+")).mapToLong(Long::parseLong).toArray();
                }
            }
            return new long[0];
        } catch (NoSuchFileException e) {
            // The caller exited (or was interrupted) before we got to it: no groups to honour.
            return new long[0];
        } catch (IOException | NumberFormatException e) {
            System.err.println("ext4j: cannot read the groups of pid " + pid + ": " + e);
            return new long[0];
        }
    }
}
