package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileData}: bytes through handles, the handle's access mode, inline files moving to blocks. */
class FileDataTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void bytesWrittenThroughAHandleReadBackWithTheHoleAsZeros() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("data.img"), "8M");
        byte[] data = new byte[10_000];
        new Random(15).nextBytes(data);
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            assertEquals(data.length, parts.data.write(Caller.ROOT, ino, c.handle(), 5000, data, 0, data.length));
            assertEquals(15_000, parts.inodes.getattr(ino).size());
            byte[] back = new byte[15_000];
            assertEquals(15_000, parts.data.read(ino, c.handle(), 0, back, 0, back.length));
            assertArrayEquals(new byte[5000], Arrays.copyOfRange(back, 0, 5000));
            assertArrayEquals(data, Arrays.copyOfRange(back, 5000, 15_000));

            long readOnly = parts.data.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY);
            assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class,
                    () -> parts.data.write(Caller.ROOT, ino, readOnly, 0, data, 0, 1)).errno());
        }
        ImageFactory.requireClean(img);
    }

    @Test
    void anInlineFileMovesToBlocksWhenItStopsFitting() throws Exception {
        byte[] data = new byte[5000];
        new Random(16).nextBytes(data);
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.write(src.resolve("f"), Arrays.copyOf(data, 40));
        // mke2fs -d stores a file this small inline.
        Path img = ImageFactory.mkfs(dir.resolve("inline.img"), "8M", "-O", "inline_data", "-I", "256", "-d", src.toString());
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            long ino = parts.names.lookup(Caller.ROOT, ROOT, bytes("f")).ino();
            long handle = parts.data.open(Caller.ROOT, ino, WritableFileSystem.O_RDWR);
            assertTrue(parts.inodes.liveInode(ino).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL), "40 bytes are inline");
            parts.data.write(Caller.ROOT, ino, handle, 0, data, 0, 50);
            assertTrue(parts.inodes.liveInode(ino).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL), "50 bytes stay inline");
            parts.data.write(Caller.ROOT, ino, handle, 0, data, 0, data.length);
            assertFalse(parts.inodes.liveInode(ino).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL), "5000 bytes do not fit");
            byte[] back = new byte[data.length];
            parts.data.read(ino, handle, 0, back, 0, back.length);
            assertArrayEquals(data, back);
        }
        ImageFactory.requireClean(img);
    }
}
