package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.host.HostOs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePathTest {
    @TempDir
    Path tmp;

    @Test
    void splitsAtTheFirstColonSlash() {
        ImagePath p = ImagePath.parse("disk.img:/etc/hostname");
        assertEquals(Path.of("disk.img"), p.image());
        assertEquals("/etc/hostname", p.path());
        assertTrue(p.explicit());
        assertEquals("hostname", p.baseName());
    }

    @Test
    void imageNamesMayContainColons() {
        ImagePath p = ImagePath.parse("backup:2024:/home/a:b");
        assertEquals(Path.of("backup:2024"), p.image());
        assertEquals("/home/a:b", p.path());
    }

    @Test
    void trailingColonIsTheRoot() {
        ImagePath p = ImagePath.parse("disk.img:");
        assertEquals(Path.of("disk.img"), p.image());
        assertEquals("/", p.path());
        assertTrue(p.explicit());
        assertEquals("/", p.baseName());
    }

    @Test
    void noColonIsABareImage() {
        ImagePath p = ImagePath.parse("disk.img");
        assertEquals(Path.of("disk.img"), p.image());
        assertEquals("/", p.path());
        assertFalse(p.explicit());
    }

    @Test
    void anExistingFileWithAColonIsABareImage() throws IOException {
        Path img = Files.createFile(tmp.resolve("a:b.img"));
        ImagePath p = ImagePath.parse(img.toString());
        assertEquals(img, p.image());
        assertFalse(p.explicit());
    }

    @Test
    void relativePathAfterTheLastColonStartsAtTheRoot() {
        ImagePath p = ImagePath.parse(tmp.resolve("missing.img") + ":etc/fstab");
        assertEquals(tmp.resolve("missing.img"), p.image());
        assertEquals("/etc/fstab", p.path());
    }

    @Test
    void baseNameIgnoresTrailingSlashes() {
        assertEquals("dir", ImagePath.parse("x.img:/a/dir//").baseName());
    }

    @Test
    void windowsDriveLettersAreNotTheSplit() {
        ImagePath back = ImagePath.parse("C:\\img\\disk.img:/etc", HostOs.WINDOWS);
        assertEquals("C:\\img\\disk.img", back.image().toString());
        assertEquals("/etc", back.path());
        assertTrue(back.explicit());
        ImagePath forward = ImagePath.parse("C:/disk.img:/etc/hostname", HostOs.WINDOWS);
        assertEquals("C:/disk.img", forward.image().toString());
        assertEquals("/etc/hostname", forward.path());
        ImagePath lower = ImagePath.parse("d:/images/backup:2024.img:/home", HostOs.WINDOWS);
        assertEquals("d:/images/backup:2024.img", lower.image().toString());
        assertEquals("/home", lower.path());
        ImagePath root = ImagePath.parse("C:\\disk.img:", HostOs.WINDOWS);
        assertEquals("C:\\disk.img", root.image().toString());
        assertEquals("/", root.path());
        ImagePath relative = ImagePath.parse("C:\\disk.img:etc/fstab", HostOs.WINDOWS);
        assertEquals("C:\\disk.img", relative.image().toString());
        assertEquals("/etc/fstab", relative.path());
    }

    @Test
    void aBareWindowsImageHasNoPath() {
        for (String bare : new String[] {"C:\\img\\disk.img", "C:/disk.img", "\\\\server\\share\\disk.img"}) {
            ImagePath p = ImagePath.parse(bare, HostOs.WINDOWS);
            assertEquals(bare, p.image().toString());
            assertEquals("/", p.path());
            assertFalse(p.explicit(), bare);
        }
    }

    @Test
    void onPosixSystemsALetterAndColonIsAnImageName() {
        // An image file called "c" in the current directory: no drive letters outside Windows.
        ImagePath p = ImagePath.parse("c:/etc", HostOs.LINUX);
        assertEquals(Path.of("c"), p.image());
        assertEquals("/etc", p.path());
    }

    @Test
    void emptyOperandIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImagePath.parse(""));
    }
}
