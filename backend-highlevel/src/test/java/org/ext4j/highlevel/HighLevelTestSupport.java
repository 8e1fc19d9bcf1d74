package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.testing.Mounter;
import org.ext4j.highlevel.testing.HighLevelMounts;

/** What the fuse3 mount tests share: the preconditions and a Mounter (the cleanup is HighLevelMounts'). */
final class HighLevelTestSupport {
    private HighLevelTestSupport() {
    }

    /**
     * Fails (never skips) unless this machine can mount through libfuse3 as root: the tests
     * are the proof that this backend works, so a missing piece must show.
     */
    static void requireCanMount() {
        assertTrue("root".equals(System.getProperty("user.name")), "the fuse3 mount tests run as root");
        assertTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (modprobe fuse)");
        assertNull(HighLevelBackend.unavailableReason(), "libfuse3 (scripts/test.sh installs libfuse3-3 and fuse3)");
        String loaded;
        try {
            loaded = HighLevelBackend.libraryDescription();
        } catch (java.io.IOException e) {
            throw new AssertionError(e.getMessage(), e);
        }
        // The report names the library each run really used (scripts/libfuse-trixie.sh prints these lines).
        System.out.println("ext4j fuse3 mount tests: loaded " + loaded);
        String expected = System.getProperty(EXPECTED_LIBRARY);
        if (expected != null) {
            assertTrue(loaded.endsWith("(" + expected + ")"), "-D" + EXPECTED_LIBRARY + "=" + expected + " but loaded "
                    + loaded);
        }
    }

    /** The libfuse version (as "3.17") a run insists on, to prove it did not fall back to another one. */
    static final String EXPECTED_LIBRARY = "ext4j.expectLibfuse";

    /** Opens {@code image} and mounts it through the fuse3 backend with {@code options}. */
    static HighLevelMount mount(Path image, Path dir, HighLevelOptions options) throws Exception {
        PosixFileSystem volume = PosixFileSystem.open(image, options.readOnly() ? OpenOptions.READ_ONLY : OpenOptions.READ_WRITE);
        try {
            return HighLevelBackend.mount(volume, dir, options);
        } catch (Exception e) {
            volume.close();
            try {
                HighLevelMounts.unmountForSure(null, dir);
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** A Mounter for the shared suites: allow_other, since they run operations as other users. */
    static final Mounter MOUNTER = (image, dir, access) -> {
        HighLevelOptions options = (access == Mounter.Access.READ_ONLY
                ? HighLevelOptions.readOnly(image.toString()) : HighLevelOptions.readWrite(image.toString()))
                .withAllowOther(true);
        HighLevelMount mount = mount(image, dir, options);
        return () -> HighLevelMounts.unmountForSure(mount, dir);
    };

    /** Runs a command, failing on a non-zero exit; returns stdout and stderr together. */
    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), command + " timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        assertTrue(p.exitValue() == 0, () -> command + " exited " + p.exitValue() + ": " + text);
        return text;
    }
}
