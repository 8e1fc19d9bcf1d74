package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AttributeChanges}: a size change is a truncate, chmod needs the owner, flags round-trip. */
class AttributeChangesTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final Caller USER = new Caller(1000, 1000, new long[0], 0);

    @TempDir
    Path dir;

    @Test
    void aSizeChangeIsATruncateAndChmodNeedsTheOwner() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("setattr.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
            long ino = c.attributes().ino();
            byte[] data = new byte[20_000];
            parts.data.write(Caller.ROOT, ino, c.handle(), 0, data, 0, data.length);
            long blocksBefore = parts.inodes.getattr(ino).blocks512();
            assertEquals(100, parts.attributes.setattr(Caller.ROOT, ino, -1, SetAttr.truncate(100)).size());
            assertTrue(parts.inodes.getattr(ino).blocks512() < blocksBefore, "the blocks past the new end are freed");
            assertEquals(Errno.EPERM, assertThrows(Ext4Exception.class,
                    () -> parts.attributes.setattr(USER, ino, -1, SetAttr.chmod(0777))).errno());
            assertEquals(0600, parts.attributes.setattr(Caller.ROOT, ino, -1, SetAttr.chmod(0600)).mode() & 07777);
        }
        ImageFactory.requireClean(img);
    }

    @Test
    void flagsSetAreTheFlagsRead() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("flags.img"), "8M");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            long ino = parts.names.create(Caller.ROOT, ROOT, bytes("f"), 0644, 0,
                    WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL).attributes().ino();
            int flags = parts.attributes.getflags(ino);
            parts.attributes.setflags(Caller.ROOT, ino, flags | InodeFlags.EXT4_NOATIME_FL);
            assertEquals(flags | InodeFlags.EXT4_NOATIME_FL, parts.attributes.getflags(ino));
        }
        ImageFactory.requireClean(img);
    }
}
