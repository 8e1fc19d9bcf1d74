package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import org.ext4j.core.backend.MountOptionParser;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;

/**
 * The fuse3 backend through the SPI: found by its META-INF/services entry, available where
 * libfuse3 is (the version pkg-config reports for the installed fuse3), and refusing by name the
 * options it cannot honour.
 */
class Fuse3BackendTest {
    @Test
    void theServicesEntryIsFound() throws Exception {
        Backend fuse3 = Backends.discover().named("fuse3").orElseThrow(() -> new AssertionError("no fuse3 backend"));
        assertTrue(fuse3 instanceof Fuse3Backend);
        assertEquals(java.util.Set.of(HostOs.LINUX, HostOs.FREEBSD), fuse3.servesOn());
        assertEquals("fuse3", Backends.discover().select("auto", HostOs.FREEBSD).name(), "auto on FreeBSD");
    }

    @Test
    void availableWithTheInstalledLibfuse3() {
        Availability a = new Fuse3Backend().availability();
        assertTrue(a.available(), "libfuse3 is installed here (scripts/test.sh: fuse3 libfuse3-3 libfuse3-dev): " + a);
        String installed = Tools.runOk(List.of("pkg-config", "--modversion", "fuse3")).stdout().strip();
        assertTrue(installed.startsWith(a.version() + "."), a.version() + " against pkg-config's " + installed);
        assertTrue(a.library().startsWith("libfuse3.so."), a.library());
    }

    @Test
    void ownersCannotBeOverriddenAndSaySo() {
        MountOptions base = MountOptions.readWrite("/img");
        Fuse3Backend fuse3 = new Fuse3Backend();
        for (String option : List.of("uid=1000", "gid=100")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MountOptionParser.parse(base, List.of("ro," + option), fuse3));
            assertEquals("mount option '" + option + "' is not supported by the fuse3 backend: showing another owner "
                    + "(uid=/gid=) is not implemented by the fuse3 backend", e.getMessage());
        }
        String everythingElse = "ro,rw,allow_other,nonempty,noexec,exec,noatime,relatime,atime,strictatime,nodiratime,"
                + "diratime,fsname=x,commit=7,errors=remount-ro";
        assertEquals(MountOptionParser.parse(base, List.of(everythingElse)),
                MountOptionParser.parse(base, List.of(everythingElse), fuse3));
    }
}
