package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuse module's admin switch for FUSE over io_uring, {@code enable_uring} (default N). Tests
 * that need the ring turn it on and put back what they found, and say so on stdout.
 */
final class UringSwitch implements AutoCloseable {
    static final Path PARAMETER = Path.of("/sys/module/fuse/parameters/enable_uring");

    private final String before;

    private UringSwitch(String before) {
        this.before = before;
    }

    /** Sets enable_uring to Y; fails (never skips) when the kernel has no such switch. */
    static UringSwitch enable() throws IOException {
        if (!Files.exists(PARAMETER)) {
            throw new IOException(PARAMETER + " is missing: this kernel has no FUSE over io_uring"
                    + " (Linux 6.14+ built with CONFIG_FUSE_IO_URING is needed)");
        }
        String before = Files.readString(PARAMETER).trim();
        Files.writeString(PARAMETER, "Y");
        System.out.println("enable_uring: was " + before + ", set to Y for this test");
        return new UringSwitch(before);
    }

    /** Sets it to N (for tests of the fallback), remembering what it was. */
    static UringSwitch disable() throws IOException {
        String before = Files.readString(PARAMETER).trim();
        Files.writeString(PARAMETER, "N");
        System.out.println("enable_uring: was " + before + ", set to N for this test");
        return new UringSwitch(before);
    }

    @Override
    public void close() throws IOException {
        Files.writeString(PARAMETER, before);
        System.out.println("enable_uring: restored to " + before);
    }
}
