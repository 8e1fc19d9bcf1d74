package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AccessTimes}: a read moves atime under strictatime, and not for an inode flagged NOATIME. */
class AccessTimesTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void aReadMovesTheAccessTimeUnlessTheInodeSaysNoatime() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("atime.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE.withAtimeMode(AtimeMode.STRICTATIME))) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            parts.data.write(Caller.ROOT, ino, c.handle(), 0, bytes("abc"), 0, 3);
            Timestamp before = parts.inodes.getattr(ino).atime();
            Thread.sleep(5);
            parts.data.read(ino, c.handle(), 0, new byte[3], 0, 3);
            Timestamp read = parts.inodes.getattr(ino).atime();
            assertNotEquals(before, read, "strictatime: a read moves atime");

            parts.attributes.setflags(Caller.ROOT, ino, parts.attributes.getflags(ino) | InodeFlags.EXT4_NOATIME_FL);
            Thread.sleep(5);
            parts.data.read(ino, c.handle(), 0, new byte[3], 0, 3);
            assertEquals(read, parts.inodes.getattr(ino).atime(), "NOATIME: the read leaves it");
        }
        ImageFactory.requireClean(img);
    }
}
