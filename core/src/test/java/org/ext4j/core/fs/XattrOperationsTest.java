package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

/** {@link XattrOperations}: values round-trip, the namespaces' permission rules, killpriv. */
class XattrOperationsTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final Caller USER = new Caller(1000, 1000, new long[0], 0);

    @TempDir
    Path dir;

    @Test
    void userXattrsRoundTripAndTrustedOnesNeedRoot() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("xattr.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            long ino = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0666, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL).attributes().ino();
            parts.xattrs.set(USER, ino, "user.colour", bytes("blue"), 0);
            assertArrayEquals(bytes("blue"), parts.xattrs.get(ino, "user.colour"));
            assertTrue(parts.xattrs.list(ino).contains("user.colour"));
            assertEquals(Errno.EPERM, assertThrows(Ext4Exception.class,
                    () -> parts.xattrs.set(USER, ino, "trusted.x", bytes("1"), 0)).errno());
            assertEquals(Errno.EEXIST, assertThrows(Ext4Exception.class,
                    () -> parts.xattrs.set(USER, ino, "user.colour", bytes("red"), WritableFileSystem.XATTR_CREATE)).errno());
            parts.xattrs.remove(USER, ino, "user.colour");
            assertEquals(Errno.ENODATA, assertThrows(Ext4Exception.class, () -> parts.xattrs.get(ino, "user.colour")).errno());
        }
        ImageFactory.requireClean(img);
    }

    @Test
    void aWriteDropsTheFileCapabilities() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("killpriv.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0755, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            parts.xattrs.set(Caller.ROOT, ino, "security.capability", new byte[20], 0);
            assertTrue(parts.xattrs.list(ino).contains("security.capability"));
            parts.data.write(Caller.ROOT, ino, c.handle(), 0, bytes("x"), 0, 1);
            assertFalse(parts.xattrs.list(ino).contains("security.capability"));
        }
        ImageFactory.requireClean(img);
    }
}
