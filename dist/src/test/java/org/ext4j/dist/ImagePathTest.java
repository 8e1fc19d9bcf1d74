package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void emptyOperandIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImagePath.parse(""));
    }
}
