package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ext4j backends} lists what META-INF/services offers (the Linux backend's entry and this
 * test class path's {@link AbsentBackend}), and {@code --backend} refuses an unknown or
 * unavailable backend in one line, before anything is opened or mounted.
 */
class BackendsCommandTest {
    @TempDir
    Path temp;

    /** The provider classes named in every services file on the class path, read without ServiceLoader. */
    private static List<String> registeredProviders() throws IOException {
        List<String> providers = new ArrayList<>();
        for (URL url : Collections.list(BackendsCommandTest.class.getClassLoader()
                .getResources("META-INF/services/org.ext4j.core.backend.Backend"))) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
                r.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).forEach(providers::add);
            }
        }
        return providers;
    }

    @Test
    void theTableListsEveryRegisteredBackend() throws Exception {
        List<String> providers = registeredProviders();
        assertTrue(providers.contains("org.ext4j.linux.LinuxBackend"), "the Linux backend registers itself: " + providers);
        CliRun run = CliRun.ext4j("backends");
        assertEquals(0, run.status(), run.stderr());
        List<String> lines = run.stdout().lines().toList();
        assertTrue(lines.get(0).startsWith("NAME") && lines.get(0).contains("AVAILABLE") && lines.get(0).contains("WHY NOT"),
                lines.get(0));
        assertEquals(providers.size() + 2, lines.size(), "heading, one row per provider, the auto line: " + run.stdout());
        String linux = row(lines, "linux");
        assertTrue(Files.isWritable(Path.of("/dev/fuse")), "this test runs where /dev/fuse is usable (modprobe fuse)");
        assertTrue(linux.matches("linux +yes +Linux +/dev/fuse.* +Linux " + System.getProperty("os.version").replace(".", "\\.")
                + " +-"), linux);
        String fuse3 = row(lines, "fuse3");
        String libfuse = Tools.runOk(List.of("pkg-config", "--modversion", "fuse3")).stdout().strip();
        assertTrue(fuse3.matches("fuse3 +yes +(FreeBSD, Linux|Linux, FreeBSD) +libfuse3\\.so\\.\\d.* +"
                + libfuse.substring(0, libfuse.lastIndexOf('.')).replace(".", "\\.") + " +-"),
                fuse3 + " (libfuse3 " + libfuse + "; scripts/test.sh installs fuse3 and libfuse3-dev)");
        String absent = row(lines, "absent");
        assertTrue(absent.matches("absent +no +(Linux, FreeBSD|FreeBSD, Linux) +libabsent\\.so\\.1 in /usr/lib +- +"
                + "libabsent\\.so\\.1 not found; apt install libabsent1"), absent);
        String macfuse = row(lines, "macfuse");
        assertTrue(macfuse.matches("macfuse +no +macOS +/usr/local/lib/libfuse3\\.4\\.dylib or .* +- +.*install macFUSE.*"),
                "macfuse serves macOS only and says where it looked: " + macfuse);
        String winfsp = row(lines, "winfsp");
        assertTrue(winfsp.matches("winfsp +no +Windows +winfsp-x64\\.dll in WinFsp's bin directory +- +WinFsp not found.*"
                + "install WinFsp from https://winfsp\\.dev/rel/.*"), "winfsp serves Windows only and says what to install: "
                + winfsp);
        assertEquals("auto on Linux: linux", lines.get(lines.size() - 1));
    }

    private static String row(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith(name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + name + " in " + lines));
    }

    @Test
    void anUnknownBackendIsOneLine() throws Exception {
        Path img = Files.write(temp.resolve("x.img"), new byte[0]);
        CliRun run = CliRun.ext4j("mount", "--backend", "nonexistent", img.toString(), temp.toString());
        assertEquals(1, run.status());
        assertEquals("ext4j: mount: nonexistent: no such backend (backends here: absent, fuse3, linux, macfuse, winfsp; see ext4j backends)\n",
                run.stderr());
    }

    @Test
    void anUnavailableBackendIsOneLineWithItsFix() throws Exception {
        Path img = Files.write(temp.resolve("x.img"), new byte[0]);
        CliRun run = CliRun.ext4j("mount", "--backend", "absent", "-o", "ro", img.toString(), temp.toString());
        assertEquals(1, run.status());
        assertEquals("ext4j: mount: absent: unavailable: libabsent.so.1 not found; apt install libabsent1\n", run.stderr());
        // Also for remount and before the options are looked at.
        CliRun remount = CliRun.ext4j("mount", "--backend", "absent", "-o", "remount,ro,bogus", temp.toString());
        assertEquals(1, remount.status());
        assertEquals("ext4j: mount: absent: unavailable: libabsent.so.1 not found; apt install libabsent1\n", remount.stderr());
    }

    @Test
    void optionsAreCheckedForTheChosenBackend() throws Exception {
        Path img = Files.write(temp.resolve("x.img"), new byte[0]);
        CliRun run = CliRun.ext4j("mount", "--backend", "linux", "-o", "ro,no_such_option", img.toString(), temp.toString());
        assertEquals(2, run.status());
        assertTrue(run.stderr().startsWith("ext4j: mount: unknown mount option 'no_such_option' (see ext4j mount --help)\n"),
                run.stderr());
        // The same vocabulary: what one backend honours, another refuses by name.
        CliRun fuse3 = CliRun.ext4j("mount", "--backend", "fuse3", "-o", "ro,uid=1000", img.toString(), temp.toString());
        assertEquals(2, fuse3.status());
        assertTrue(fuse3.stderr().startsWith("ext4j: mount: mount option 'uid=1000' is not supported by the fuse3 backend: "
                + "showing another owner (uid=/gid=) is not implemented by the fuse3 backend (see ext4j mount --help)\n"),
                fuse3.stderr());
        CliRun linux = CliRun.ext4j("mount", "--backend", "linux", "-o", "ro,uid=1000", img.toString(), temp.toString());
        assertTrue(!linux.stderr().contains("not supported"), "linux honours uid=: " + linux.stderr());
    }
}
