package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Drive letters as a Windows user writes them, and what WinFsp gets. */
class MountPointTest {
    @Test
    void driveLettersInEveryCommonSpelling() {
        for (String s : new String[] {"X:", "x:", "X:\\", "x:/", "\\\\.\\X:", "\\\\?\\x:", " X: "}) {
            assertEquals(new MountPoint.Drive('X'), MountPoint.parse(s), s);
            assertEquals("X:", MountPoint.parse(s).forWinFsp(), s);
        }
    }

    @Test
    void aStarIsTheFirstFreeLetterFromZDown() {
        MountPoint any = MountPoint.parse("*");
        assertEquals(new MountPoint.AnyDrive(), any);
        assertEquals("*", any.forWinFsp());
        assertEquals(new MountPoint.Drive('Z'), ((MountPoint.AnyDrive) any).pick(Set.of('C', 'D')));
        assertEquals(new MountPoint.Drive('X'), ((MountPoint.AnyDrive) any).pick(Set.of('C', 'Z', 'Y')));
        Set<Character> all = new java.util.HashSet<>();
        for (char c = 'D'; c <= 'Z'; c++) {
            all.add(c);
        }
        assertThrows(IllegalStateException.class, () -> ((MountPoint.AnyDrive) any).pick(all));
    }

    @Test
    void anythingElseIsADirectory() {
        assertEquals(new MountPoint.Directory(Path.of("mnt")), MountPoint.parse("mnt"));
        assertEquals(new MountPoint.Directory(Path.of("/tmp/x:y")), MountPoint.parse("/tmp/x:y"));
        assertEquals(new MountPoint.Directory(Path.of("X:\\ext4")), MountPoint.parse("X:\\ext4"),
                "a folder on a drive (on Windows)");
        assertEquals(new MountPoint.Directory(Path.of("XY:")), MountPoint.parse("XY:"));
        assertThrows(IllegalArgumentException.class, () -> MountPoint.parse(" "));
    }
}
