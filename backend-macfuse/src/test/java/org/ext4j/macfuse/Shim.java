package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.Tools;

/**
 * The test-only macFUSE-ABI shim (src/test/c): compiled once per test JVM with the system's C
 * compiler against the Linux libfuse3 and ICU headers, into target/. Fails, naming what to
 * install, when a compiler or a header is missing.
 */
public final class Shim {
    /** The C sources, relative to the module (the tests run there). */
    public static final Path SOURCES = Path.of("src", "test", "c").toAbsolutePath();

    private static Path built;

    private Shim() {
    }

    /** The shared library, built on first use. */
    public static synchronized Path library() throws IOException {
        if (built != null) {
            return built;
        }
        Tools.require("cc");
        assertTrue(Files.exists(Path.of("/usr/include/fuse3/fuse.h")),
                "the libfuse3 headers are missing: apt-get install libfuse3-dev (scripts/test.sh does)");
        assertTrue(Files.exists(Path.of("/usr/include/unicode/unorm2.h")),
                "the ICU headers are missing: apt-get install libicu-dev (scripts/test.sh does)");
        Path dir = Files.createDirectories(Path.of("target", "macfuse-shim").toAbsolutePath());
        Path out = dir.resolve("libfuse3-macfuse-shim.so");
        List<String> cmd = new ArrayList<>(List.of("cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                "-Wno-unused-parameter", "-shared", "-fPIC", "-O1", "-I/usr/include/fuse3", "-o", out.toString(),
                SOURCES.resolve("macfuse_shim.c").toString(), SOURCES.resolve("macfuse_shim_linux.c").toString(),
                "-licuuc", "-ldl", "-lpthread"));
        Tools.Result cc = Tools.run(cmd);
        assertEquals(0, cc.exitCode(), () -> "the macFUSE shim does not compile:\n" + cc.stderr());
        built = out;
        return out;
    }

    /**
     * The host the shim stands in for macOS on: the shim as macFUSE's library, fusermount3 to
     * unmount (the mount is a Linux one), FSKit volumes in {@code volumesRoot}.
     */
    public static MacFuseHost host(Path volumesRoot) throws IOException {
        return new MacFuseHost(List.of(library().toString()), "build the shim (Shim.library())",
                List.of("fusermount3", "-u"), List.of("fusermount3", "-u", "-z"), volumesRoot, false);
    }
}
