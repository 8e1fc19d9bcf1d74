package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The macfuse backend as the command finds it: registered for ServiceLoader, serving macOS, its
 * availability naming the library it found (what `ext4j backends` prints on a Mac; here the
 * shim stands in for macFUSE through ext4j.macfuse.library), and the shared options with
 * macFUSE's own, and the ext4 label as the volume's name.
 */
class MacFuseServiceTest {
    @TempDir
    Path temp;

    @Test
    void registeredForMacOs() {
        List<String> names = ServiceLoader.load(Backend.class).stream().map(p -> p.get().name()).toList();
        assertTrue(names.contains("macfuse"), names.toString());
        assertEquals(java.util.Set.of(HostOs.MACOS), new MacFuseService().servesOn());
    }

    @Test
    void availabilityNamesTheLibraryFound() throws Exception {
        String before = System.getProperty(MacFuseHost.LIBRARY_PROPERTY);
        System.setProperty(MacFuseHost.LIBRARY_PROPERTY, Shim.library().toString());
        try {
            Availability a = new MacFuseService().availability();
            assertTrue(a.available(), a.whyNot());
            assertEquals(Shim.library().toString(), a.library());
            assertEquals("3.17", a.version());
        } finally {
            if (before == null) {
                System.clearProperty(MacFuseHost.LIBRARY_PROPERTY);
            } else {
                System.setProperty(MacFuseHost.LIBRARY_PROPERTY, before);
            }
        }
        System.setProperty(MacFuseHost.LIBRARY_PROPERTY, "/nonexistent/libfuse3.4.dylib");
        try {
            Availability none = new MacFuseService().availability();
            assertFalse(none.available());
            assertTrue(none.library().startsWith("/nonexistent/libfuse3.4.dylib or /usr/local/lib/libfuse3.4.dylib"),
                    none.library());
            assertTrue(none.whyNot().contains("install macFUSE"), none.whyNot());
        } finally {
            System.clearProperty(MacFuseHost.LIBRARY_PROPERTY);
        }
    }

    @Test
    void sharedOptionsThenMacFusesOwn() throws Exception {
        Path image = temp.resolve("photos.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-L", "Urlaub 2026", image.toString(), "8M")).requireExit(0);
        MacFuseHost host = new MacFuseHost(List.of(), "", List.of(), List.of(), temp, true);
        MountOptions shared = MountOptions.readWrite(image.toString()).withOwnerUid(OptionalLong.of(501))
                .withAllowOther(true);
        MacFuseOptions o = MacFuseService.options(image, shared, host, null);
        assertEquals("Urlaub 2026", o.volumeName(), "the ext4 label names the volume");
        assertEquals(MacFuseOptions.Backend.FSKIT, o.backend());
        assertEquals(OptionalLong.of(501), o.ownerUid());
        assertTrue(o.common().allowOther());
        MacFuseOptions kext = MacFuseService.options(image, shared, host, "backend=vfs,volname=Fotos,owners");
        assertEquals(MacFuseOptions.Backend.VFS, kext.backend());
        assertEquals("Fotos", kext.volumeName());
        assertFalse(kext.overridesOwner());
        ImageFactory.requireClean(image);
    }
}
