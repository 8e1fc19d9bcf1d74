package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** WinFsp's mount options: the mounting user by default (uid=-1, gid=-1), owners, the label, what WinFsp gets. */
class WinFspOptionsTest {
    @Test
    void theMountingUserByDefault() {
        WinFspOptions o = WinFspOptions.forSource(Path.of("C:\\disks\\data.img"), "DATA");
        assertEquals(OptionalLong.of(-1), o.ownerUid());
        assertEquals(OptionalLong.of(-1), o.ownerGid());
        assertTrue(o.overridesOwner());
        assertEquals(List.of("volname=DATA", "ExactFileSystemName=ext4", "uid=-1", "gid=-1", "FileInfoTimeout=0",
                "create_file_umask=0133", "create_dir_umask=022"), o.libraryOptions());
    }

    @Test
    void ownersShowTheDiskAndExplicitIdsAreKept() {
        WinFspOptions o = WinFspOptions.defaults("img", "X");
        WinFspOptions owners = o.parse(List.of("owners"));
        assertFalse(owners.overridesOwner());
        assertFalse(owners.libraryOptions().stream().anyMatch(s -> s.startsWith("uid=") || s.startsWith("gid=")));
        WinFspOptions explicit = o.parse(List.of("uid=1000,volname=Backup,ro"));
        assertEquals(OptionalLong.of(1000), explicit.ownerUid());
        assertEquals(OptionalLong.of(-1), explicit.ownerGid());
        assertEquals("Backup", explicit.volumeName());
        assertTrue(explicit.common().readOnly());
        assertThrows(IllegalArgumentException.class, () -> o.parse(List.of("uid=-2")));
        assertThrows(IllegalArgumentException.class, () -> o.parse(List.of("uid=me")));
        assertThrows(IllegalArgumentException.class, () -> o.parse(List.of("kernel_cache")));
    }

    @Test
    void theVolumeIsNamedAfterTheLabelOrTheImage() {
        assertEquals("rootfs", WinFspOptions.volumeName("rootfs", Path.of("x.img")));
        assertEquals("disk", WinFspOptions.volumeName("", Path.of("/images/disk.img")));
        assertEquals("a_b", WinFspOptions.volumeName("a,b", Path.of("x")));
        assertEquals(32, WinFspOptions.volumeName("x".repeat(40), Path.of("x")).length(), "Windows labels have 32 characters");
    }
}
