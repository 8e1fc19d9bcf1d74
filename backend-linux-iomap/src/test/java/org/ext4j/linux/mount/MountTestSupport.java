package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.ServingMounter;
import org.ext4j.linux.LinuxBackend;
import org.ext4j.linux.session.FuseTransport;

/** What the mount tests share: the preconditions and the last-resort cleanup. */
final class MountTestSupport {
    private MountTestSupport() {
    }

    /**
     * Skips unless this is Linux, as root, with a usable /dev/fuse. When the suite runs with the
     * io_uring transport forced on ({@code -Dext4j.io_uring=on}), also turns the fuse module's
     * enable_uring on for the rest of this JVM and puts it back when the JVM ends.
     */
    static void assumeCanMount() {
        assumeTrue(LinuxBackend.isAvailable(), () -> "no FUSE here: " + LinuxBackend.unavailableReason());
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting needs root");
        if (FuseTransport.fromSystemProperty() == FuseTransport.IO_URING) {
            SuiteUring.enable();
        }
    }

    /** The transport property for a child JVM: the one this JVM runs with (auto when unset). */
    static String transportProperty() {
        return "-D" + FuseTransport.PROPERTY + "=" + System.getProperty(FuseTransport.PROPERTY, "auto");
    }

    /** enable_uring held on for a whole test JVM that runs every mount through io_uring. */
    private static final class SuiteUring {
        private static UringSwitch held;

        static synchronized void enable() {
            if (held != null) {
                return;
            }
            try {
                held = UringSwitch.enable();
            } catch (IOException e) {
                throw new IllegalStateException("the suite runs with -D" + FuseTransport.PROPERTY
                        + "=on, but FUSE over io_uring cannot be enabled: " + e.getMessage(), e);
            }
            UringSwitch toRestore = held;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    toRestore.close();
                } catch (IOException e) {
                    System.err.println("could not restore " + UringSwitch.PARAMETER + ": " + e);
                }
            }, "restore enable_uring"));
        }
    }

    /** Runs a command and returns its standard output; fails on a non-zero exit. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** Never leave a mount behind: unmount through the API, and lazily with umount(8) if still mounted. */
    static void unmountForSure(FuseMount mount, Path dir) throws Exception {
        MountTable.unmountForSure(mount == null ? null : mount::unmount, dir);
    }

    /** {@code mount} as the core's shared mount suites drive it. */
    static ServingMounter.Served served(FuseMount mount, Path dir) {
        return ServingMounter.served(mount::waitUntilUnmounted, () -> unmountForSure(mount, dir));
    }
}
