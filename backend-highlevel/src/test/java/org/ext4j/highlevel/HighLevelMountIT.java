package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount through libfuse3's high-level API: it shows up as fuse.ext4j with the image as source,
 * files written through it are on the image (debugfs) after unmount, and the image is clean.
 */
class HighLevelMountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void writesThroughTheMountReachTheImage() throws Exception {
        Path image = ImageFactory.mkfs(temp.resolve("smoke.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        HighLevelMount mount = HighLevelTestSupport.mount(image, mnt, HighLevelOptions.readWrite(image.toString()));
        long ino;
        try {
            String line = HighLevelTestSupport.mountsLine(mnt);
            assertTrue(line != null && line.startsWith(image + " ") && line.contains(" fuse.ext4j "), "" + line);
            Files.createDirectories(mnt.resolve("a/b"));
            Files.writeString(mnt.resolve("a/b/hello.txt"), "hello\n");
            assertEquals("hello\n", Files.readString(mnt.resolve("a/b/hello.txt")));
            try (java.util.stream.Stream<Path> listing = Files.list(mnt.resolve("a"))) {
                assertEquals(List.of("b"), listing.map(p -> p.getFileName().toString()).toList());
            }
            ino = (Long) Files.getAttribute(mnt.resolve("a/b/hello.txt"), "unix:ino");
        } finally {
            HighLevelTestSupport.unmountForSure(mount, mnt);
        }
        assertFalse(HighLevelTestSupport.isMountPoint(mnt));
        ImageFactory.requireClean(image);
        assertEquals("hello\n", new Debugfs(image).run("cat /a/b/hello.txt"));
        // use_ino: st_ino is the ext4 inode number, as debugfs names it.
        assertTrue(new Debugfs(image).run("ls -l /a/b").contains(" " + ino + " "), "inode " + ino);
    }
}
