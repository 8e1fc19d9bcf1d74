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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NamespaceOperations}: create of an existing name opens it; an O_TMPFILE is linked once. */
class NamespaceOperationsTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final int RDWR_EXCL = WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL;

    @TempDir
    Path dir;

    @Test
    void creatingAnExistingNameWithoutExclOpensIt() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("create.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created first = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0, RDWR_EXCL);
            long ino = first.attributes().ino();
            parts.data.write(Caller.ROOT, ino, first.handle(), 0, new byte[100], 0, 100);
            assertEquals(Errno.EEXIST, assertThrows(Ext4Exception.class,
                    () -> parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0, RDWR_EXCL)).errno());
            WritableFileSystem.Created again = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_TRUNC);
            assertEquals(ino, again.attributes().ino());
            assertEquals(0, again.attributes().size(), "O_TRUNC truncated the existing file");
            assertEquals(ino, parts.openFiles.get(ino, again.handle()).ino());
        }
        ImageFactory.requireClean(img);
    }

    @Test
    void anUnnamedFileOpenedWithoutExclMayBeLinkedOnce() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("tmpfile.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created t = parts.names.tmpfile(Caller.ROOT, ROOT, 0600, 0, WritableFileSystem.O_RDWR);
            long ino = t.attributes().ino();
            assertTrue(parts.openFiles.isLinkable(ino));
            assertTrue(parts.openFiles.isUnlinkedOpen(ino));
            parts.names.link(Caller.ROOT, ino, ROOT, bytes("named"));
            assertFalse(parts.openFiles.isLinkable(ino));
            assertFalse(parts.openFiles.isUnlinkedOpen(ino));
            assertEquals(ino, parts.names.lookup(Caller.ROOT, ROOT, bytes("named")).ino());
            parts.openFiles.release(t.handle());
        }
        ImageFactory.requireClean(img);
    }
}
