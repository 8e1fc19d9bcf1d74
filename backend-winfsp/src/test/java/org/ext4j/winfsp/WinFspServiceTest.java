package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.Set;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountOption;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The winfsp backend as the command finds it: registered for ServiceLoader, serving Windows, its
 * availability naming the DLL it found and its FUSE API (what `ext4j backends` prints on Windows;
 * here the shim stands in for winfsp-x64.dll), a missing WinFsp as one line with the download
 * hint, the shared options with WinFsp's own, and the ext4 label as the volume's name.
 */
class WinFspServiceTest {
    @TempDir
    Path temp;

    @Test
    void registeredForWindows() {
        List<String> names = ServiceLoader.load(Backend.class).stream().map(p -> p.get().name()).toList();
        assertTrue(names.contains("winfsp"), names.toString());
        assertEquals(Set.of(HostOs.WINDOWS), new WinFspService().servesOn());
    }

    @Test
    void availabilityNamesTheDllFound() throws Exception {
        WinFspHost host = Shim.host(temp.resolve("drives"), 1000, 1000);
        Availability a = WinFspService.availability(host);
        assertTrue(a.available(), a.whyNot());
        assertEquals(Shim.library().toString(), a.library());
        assertEquals("FUSE 3.2", a.version());
    }

    @Test
    void aMissingWinFspIsOneLineWithTheDownload() {
        WinFspHost host = new WinFspHost(List.of("C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-x64.dll"),
                WinFspHost.INSTALL_HINT, Set::of);
        Availability none = WinFspService.availability(host);
        assertFalse(none.available());
        assertEquals("C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-x64.dll", none.library());
        assertEquals("WinFsp not found (looked for C:\\Program Files (x86)\\WinFsp\\bin\\winfsp-x64.dll); install WinFsp"
                + " from https://winfsp.dev/rel/ (or: winget install WinFsp.WinFsp)", none.whyNot());
        assertFalse(none.whyNot().contains("\n"));
    }

    @Test
    void sharedOptionsThenWinFspsOwn() throws Exception {
        Path image = temp.resolve("stick.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-L", "Backup 2026", image.toString(), "8M"));
        MountOptions shared = MountOptions.readWrite(image.toString());
        WinFspOptions o = WinFspService.options(image, shared, null);
        assertEquals("Backup 2026", o.volumeName(), "the ext4 label names the volume");
        assertEquals(OptionalLong.of(-1), o.ownerUid(), "the mounting user");
        WinFspOptions explicit = WinFspService.options(image, shared.withOwnerUid(OptionalLong.of(1000)).withReadOnly(true),
                "volname=Fotos");
        assertEquals(OptionalLong.of(1000), explicit.ownerUid());
        assertEquals("Fotos", explicit.volumeName());
        assertTrue(explicit.common().readOnly());
        assertFalse(WinFspService.options(image, shared, "owners").overridesOwner());
        ImageFactory.requireClean(image);
    }

    @Test
    void theCommandsMountPointIsADriveRootAndAStarIsPickedNow() throws Exception {
        WinFspHost host = new WinFspHost(List.of(), "", () -> Set.of('C', 'Z'));
        assertEquals(Path.of("Y:\\"), WinFspService.mountPoint("*", host), "printed as the letter it is");
        assertEquals(Path.of("X:\\"), WinFspService.mountPoint("x:", host));
        assertEquals(Path.of("X:\\"), WinFspService.mountPoint("X:\\", host));
        assertEquals(Path.of("not-yet"), WinFspService.mountPoint("not-yet", host));
        assertEquals("drive Z: is in use (mount on another letter, or on *)",
                org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                        () -> WinFspService.mountPoint("z:", host)).getMessage());
    }

    /** The mount line must not send a Windows user to 'ext4j umount', which this backend refuses. */
    @Test
    void aForegroundMountIsEndedWithCtrlCNotUmount() {
        WinFspService s = new WinFspService();
        Path drive = Path.of("Z:\\");
        assertTrue(s.howToUnmount(drive).contains("Ctrl-C"), s.howToUnmount(drive));
        assertFalse(s.howToUnmount(drive).contains("umount"), s.howToUnmount(drive));
        assertThrows(java.io.IOException.class, () -> s.unmount(drive, false), "umount from outside is refused");
    }

    @Test
    void whatWindowsHasNoCounterpartForIsRefusedByName() {
        WinFspService s = new WinFspService();
        assertTrue(s.refusal(MountOption.ALLOW_OTHER).isPresent());
        assertTrue(s.refusal(MountOption.NOEXEC).isPresent());
        assertFalse(s.refusal(MountOption.RO).isPresent());
        assertFalse(s.refusal(MountOption.UID).isPresent());
    }
}
