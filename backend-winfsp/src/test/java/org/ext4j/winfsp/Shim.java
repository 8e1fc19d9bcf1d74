package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import jnr.ffi.LibraryLoader;
import org.ext4j.core.testing.Tools;

/**
 * The test-only WinFsp-ABI shim (src/test/c): compiled once per test JVM with the system's C
 * compiler against the Linux libfuse3 headers, into target/. Fails, naming what to install, when a
 * compiler or a header is missing. Drive letters are directories under a drives directory the
 * test chooses, and the mounting user (what WinFsp's uid=-1 stands for) is set per test.
 */
public final class Shim {
    /** The C sources, relative to the module (the tests run there). */
    public static final Path SOURCES = Path.of("src", "test", "c").toAbsolutePath();

    private static Path built;

    private Shim() {
    }

    /** The shim's test-only configuration entry point. */
    public interface Control {
        void winfsp_shim_configure(String drives, int uid, int gid);
    }

    /** The shared library, built on first use. */
    public static synchronized Path library() throws IOException {
        if (built != null) {
            return built;
        }
        Tools.require("cc");
        assertTrue(Files.exists(Path.of("/usr/include/fuse3/fuse.h")),
                "the libfuse3 headers are missing: apt-get install libfuse3-dev (scripts/test.sh does)");
        Path dir = Files.createDirectories(Path.of("target", "winfsp-shim").toAbsolutePath());
        Path out = dir.resolve("winfsp-x64.dll");
        List<String> cmd = new ArrayList<>(List.of("cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                "-Wno-unused-parameter", "-shared", "-fPIC", "-O1", "-I/usr/include/fuse3", "-o", out.toString()));
        for (String c : List.of("winfsp_shim.c", "winfsp_shim_linux.c", "winfsp_shim_mount.c", "winfsp_shim_names.c")) {
            cmd.add(SOURCES.resolve(c).toString());
        }
        cmd.addAll(List.of("-ldl", "-lpthread"));
        Tools.Result cc = Tools.run(cmd);
        assertEquals(0, cc.exitCode(), () -> "the WinFsp shim does not compile:\n" + cc.stderr());
        built = out;
        return out;
    }

    /**
     * The host the shim stands in for Windows on: drive X: is {@code drives}/X, a letter is in use
     * while that directory is mounted on, and uid=-1/gid=-1 mean {@code uid}:{@code gid}.
     */
    public static WinFspHost host(Path drives, long uid, long gid) throws IOException {
        Path lib = library();
        Files.createDirectories(drives);
        LibraryLoader.create(Control.class).load(lib.toString()).winfsp_shim_configure(drives.toString(), (int) uid,
                (int) gid);
        return new WinFspHost(List.of(lib.toString()), "build the shim (Shim.library())", () -> used(drives));
    }

    private static Set<Character> used(Path drives) {
        Set<Character> used = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
                Path target = Path.of(line.split(" ")[1]);
                if (drives.toAbsolutePath().equals(target.getParent()) && target.getFileName().toString().length() == 1) {
                    used.add(target.getFileName().toString().charAt(0));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return used;
    }
}
