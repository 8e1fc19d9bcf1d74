package org.ext4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.ext4j.core.host.HostOs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding backends through META-INF/services, and choosing one: auto per OS, by name, refusals in one line. */
class BackendsTest {
    private static final Backend LINUX = new FakeBackend("linux", Set.of(HostOs.LINUX),
            Availability.available("/dev/fuse", "Linux 6.18"));
    private static final Backend FUSE3 = new FakeBackend("fuse3", Set.of(HostOs.LINUX, HostOs.FREEBSD),
            Availability.unavailable("libfuse3.so.3 not found", "apt install fuse3", "libfuse3.so.3 in the linker's path"));
    private static final Backends BOTH = new Backends(List.of(LINUX, FUSE3));

    @TempDir
    Path temp;

    @Test
    void aServicesEntryIsAllABackendNeeds() throws Exception {
        Path services = Files.createDirectories(temp.resolve("META-INF/services"));
        try (URLClassLoader none = new URLClassLoader(new URL[] {temp.toUri().toURL()}, getClass().getClassLoader())) {
            assertEquals(List.of(), Backends.discover(none).all(), "no entry, no backend");
        }
        Files.writeString(services.resolve(Backend.class.getName()), "# a comment\n" + FakeBackend.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {temp.toUri().toURL()}, getClass().getClassLoader())) {
            List<Backend> found = Backends.discover(loader).all();
            assertEquals(1, found.size());
            assertEquals("fake", found.get(0).name());
            assertTrue(found.get(0) instanceof FakeBackend);
        }
    }

    @Test
    void autoIsTheBackendMadeForTheOs() throws Exception {
        assertEquals("linux", BOTH.select("auto", HostOs.LINUX).name());
        assertEquals("linux", BOTH.select("linux", HostOs.LINUX).name());
        assertEquals(List.of("fuse3", "linux"), BOTH.all().stream().map(Backend::name).toList(), "listed by name");
        assertEquals("macfuse", Backends.preferredName(HostOs.MACOS));
        assertEquals("fuse3", Backends.preferredName(HostOs.FREEBSD));
        assertEquals("winfsp", Backends.preferredName(HostOs.WINDOWS));
    }

    @Test
    void anUnknownNameIsOneLineNamingTheOthers() {
        Backends.BackendChoiceException e = assertThrows(Backends.BackendChoiceException.class,
                () -> BOTH.select("nonexistent", HostOs.LINUX));
        assertEquals("nonexistent", e.what());
        assertEquals("no such backend (backends here: fuse3, linux; see ext4j backends)", e.why());
    }

    @Test
    void anUnavailableBackendSaysWhyAndWhatToInstall() {
        Backends.BackendChoiceException e = assertThrows(Backends.BackendChoiceException.class,
                () -> BOTH.select("fuse3", HostOs.LINUX));
        assertEquals("fuse3: unavailable: libfuse3.so.3 not found; apt install fuse3", e.getMessage());
        Backends.BackendChoiceException bsd = assertThrows(Backends.BackendChoiceException.class,
                () -> BOTH.select("auto", HostOs.FREEBSD));
        assertEquals("fuse3", bsd.what(), "auto on FreeBSD is libfuse3");
    }

    @Test
    void autoWhereThisBuildHasNothingSaysSo() {
        Backends.BackendChoiceException e = assertThrows(Backends.BackendChoiceException.class,
                () -> BOTH.select("auto", HostOs.MACOS));
        assertEquals("auto: no backend for macOS in this build (the macfuse backend is not built yet); "
                + "backends here: fuse3, linux (see ext4j backends)", e.getMessage());
        assertEquals("auto: no backend for Windows in this build (the winfsp backend is not built yet); backends here: "
                + "none (see ext4j backends)", assertThrows(Backends.BackendChoiceException.class,
                        () -> new Backends(List.of()).select("auto", HostOs.WINDOWS)).getMessage());
    }
}
