package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OpenFiles}: handles name one inode until released; an unlinked inode lives while referenced. */
class OpenFilesTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void aHandleNamesOnlyItsOwnInodeUntilReleased() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("handles.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            assertEquals(ino, parts.openFiles.get(ino, c.handle()).ino());
            assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class, () -> parts.openFiles.get(ino + 1, c.handle())).errno());
            assertTrue(parts.openFiles.isWritableHandle(c.handle()));
            long readOnly = parts.openFiles.register(ino, InodeFileSystem.O_RDONLY);
            assertFalse(parts.openFiles.isWritableHandle(readOnly));
            assertFalse(parts.openFiles.isWritableHandle(-1));
            parts.openFiles.release(c.handle());
            assertEquals(Errno.EBADF, assertThrows(Ext4Exception.class, () -> parts.openFiles.get(ino, c.handle())).errno());
            assertEquals(ino, parts.openFiles.get(ino, readOnly).ino());
        }
    }

    @Test
    void anUnlinkedFileLivesUntilItsLastHandleGoes() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("unlinked.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            long second = parts.openFiles.register(ino, InodeFileSystem.O_RDONLY);
            parts.names.unlink(Caller.ROOT, ROOT, bytes("f"));
            assertTrue(parts.openFiles.isUnlinkedOpen(ino));
            parts.checkpoint();
            assertEquals(Long.toString(ino), Tools.dumpe2fsField(img, "First orphan inode"), "on the orphan list while open");
            assertTrue(PartsTesting.inUse(img, ino));

            parts.openFiles.release(c.handle());
            assertTrue(parts.openFiles.isUnlinkedOpen(ino), "one handle is left");
            parts.openFiles.release(second);
            assertFalse(parts.openFiles.isUnlinkedOpen(ino));
            parts.checkpoint();
            assertFalse(PartsTesting.inUse(img, ino), "freed at the last release");
        }
        ImageFactory.requireClean(img);
    }
}
