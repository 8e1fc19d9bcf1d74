package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.highlevel.testing.HighLevelMounts;
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
            String line = MountTable.line(mnt);
            assertTrue(line != null && line.startsWith(image + " ") && line.contains(" fuse.ext4j "), "" + line);
            Files.createDirectories(mnt.resolve("a/b"));
            Files.writeString(mnt.resolve("a/b/hello.txt"), "hello\n");
            assertEquals("hello\n", Files.readString(mnt.resolve("a/b/hello.txt")));
            try (java.util.stream.Stream<Path> listing = Files.list(mnt.resolve("a"))) {
                assertEquals(List.of("b"), listing.map(p -> p.getFileName().toString()).toList());
            }
            ino = (Long) Files.getAttribute(mnt.resolve("a/b/hello.txt"), "unix:ino");
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
        assertFalse(MountTable.isMountPoint(mnt));
        ImageFactory.requireClean(image);
        assertEquals("hello\n", new Debugfs(image).run("cat /a/b/hello.txt"));
        // use_ino: st_ino is the ext4 inode number, as debugfs names it.
        assertTrue(new Debugfs(image).run("ls -l /a/b").contains(" " + ino + " "), "inode " + ino);
    }

    /**
     * An open file whose name is removed (unlink, or a rename over it) is still stat'ed, read and
     * written through its descriptor, and no name of it shows while it is open or stays after.
     * fstat sends no file handle, and libfuse answers a node without a name with ESTALE.
     */
    @Test
    void anUnlinkedOpenFileIsStatedAndReadThroughItsDescriptor() throws Exception {
        Path image = ImageFactory.mkfs(temp.resolve("orphan.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        HighLevelMount mount = HighLevelTestSupport.mount(image, mnt, HighLevelOptions.readWrite(image.toString()));
        try {
            Path dir = Files.createDirectory(mnt.resolve("d"));
            Files.writeString(dir.resolve("gone"), "unlinked but open\n");
            Files.writeString(dir.resolve("replaced"), "renamed over but open\n");
            Files.writeString(dir.resolve("newer"), "the new one\n");
            try (FileChannel unlinked = FileChannel.open(dir.resolve("gone"), StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
                    FileChannel replaced = FileChannel.open(dir.resolve("replaced"), StandardOpenOption.READ)) {
                Files.delete(dir.resolve("gone"));
                Files.move(dir.resolve("newer"), dir.resolve("replaced"), StandardCopyOption.REPLACE_EXISTING);
                assertEquals(18, unlinked.size(), "fstat of the unlinked file");
                assertEquals(22, replaced.size(), "fstat of the replaced file");
                unlinked.write(ByteBuffer.wrap("more\n".getBytes(StandardCharsets.UTF_8)), 18);
                ByteBuffer b = ByteBuffer.allocate(64);
                unlinked.read(b, 0);
                assertEquals("unlinked but open\nmore\n", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
                try (Stream<Path> listing = Files.list(dir)) {
                    assertEquals(List.of("replaced"), listing.map(p -> p.getFileName().toString()).toList(),
                            "nothing hidden is listed");
                }
                assertEquals("the new one\n", Files.readString(dir.resolve("replaced")));
            }
            try (Stream<Path> listing = Files.list(dir)) {
                assertEquals(List.of("replaced"), listing.map(p -> p.getFileName().toString()).toList());
            }
            // The whole struct stat, as a C program sees it: size and no links left.
            Files.writeString(dir.resolve("py"), "12345");
            assertEquals("5 0\n", HighLevelTestSupport.run(List.of("python3", "-c", "import os, sys; "
                    + "fd = os.open(sys.argv[1], os.O_RDONLY); os.unlink(sys.argv[1]); st = os.fstat(fd); "
                    + "print(st.st_size, st.st_nlink)", dir.resolve("py").toString())));
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
        ImageFactory.requireClean(image);
        assertEquals("the new one\n", new Debugfs(image).run("cat /d/replaced"));
    }

}
