package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The macOS mount options: defaults, what macFUSE gets, what is refused. */
class MacFuseOptionsTest {
    private final MacFuseOptions defaults = MacFuseOptions.defaults("/Users/me/disk.img", MacFuseOptions.Backend.FSKIT,
            "DATA", 501, 20);

    @Test
    void defaultsAreAFinderUsersOnes() {
        assertEquals(List.of("volname=DATA", "backend=fskit", "local", "noappledouble", "noapplexattr"),
                defaults.libraryOptions());
        assertEquals(OptionalLong.of(501), defaults.ownerUid());
        assertEquals(OptionalLong.of(20), defaults.ownerGid());
        assertFalse(defaults.common().readOnly());
    }

    @Test
    void optionsParse() {
        MacFuseOptions o = defaults.parse(List.of("backend=vfs,volname=Photos,appledouble,applexattr,nolocal,uid=7,gid=8",
                "ro"));
        assertEquals(List.of("volname=Photos"), o.libraryOptions());
        assertEquals(MacFuseOptions.Backend.VFS, o.backend());
        assertTrue(o.common().readOnly());
        assertEquals(OptionalLong.of(7), o.ownerUid());
        assertEquals(OptionalLong.of(8), o.ownerGid());
        MacFuseOptions owners = defaults.parse(List.of("backend=kext,owners"));
        assertFalse(owners.overridesOwner(), "owners shows the on-disk owners");
    }

    @Test
    void whatCannotBeHonouredIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> defaults.parse(List.of("owners")));
        assertTrue(e.getMessage().contains("backend=vfs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> defaults.parse(List.of("backend=nfs")));
        assertThrows(IllegalArgumentException.class, () -> defaults.parse(List.of("volname=a/b")));
        assertThrows(IllegalArgumentException.class, () -> defaults.parse(List.of("uid=-1")));
        assertThrows(IllegalArgumentException.class, () -> defaults.parse(List.of("kernel_cache")));
    }

    @Test
    void theVolumeIsNamedAfterTheLabelElseTheImage() {
        assertEquals("DATA", MacFuseOptions.volumeName("DATA", java.nio.file.Path.of("/x/disk.img")));
        assertEquals("a_b_c", MacFuseOptions.volumeName("a/b,c", java.nio.file.Path.of("/x/disk.img")));
        assertEquals("disk", MacFuseOptions.volumeName("", java.nio.file.Path.of("/x/disk.img")));
        assertEquals("disk4s1", MacFuseOptions.volumeName(null, java.nio.file.Path.of("/dev/disk4s1")));
    }

    @Test
    void fskitIsTheDefaultFromMacOs154() {
        assertTrue(MacFuseHost.fskitAvailable("15.4"));
        assertTrue(MacFuseHost.fskitAvailable("26.1"));
        assertFalse(MacFuseHost.fskitAvailable("15.3.2"));
        assertFalse(MacFuseHost.fskitAvailable("14.7"));
    }
}
