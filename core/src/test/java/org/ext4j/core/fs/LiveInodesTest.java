package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LiveInodes}: a number from the caller that names nothing is stale, one found in a
 * directory entry that names nothing is corruption; fast symlinks are told from slow ones.
 */
class LiveInodesTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void numbersTheCallerGivesAreStaleWhenTheyNameNothing() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("stale.img"), "8M", "-N", "64");
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_ONLY)) {
            long count = parts.fs.superblock().inodesCount();
            for (long ino : new long[] {0, count + 1, 20}) {
                assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> parts.inodes.liveInode(ino)).errno(),
                        "inode " + ino);
            }
            assertEquals(FileType.DIRECTORY, parts.inodes.getattr(ROOT).type());
        }
    }

    @Test
    void anEntryNamingAFreeInodeIsCorruption() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("dangling.img"), "8M", "-N", "64");
        // debugfs's ln adds an entry and leaves the inode as it is: here free.
        Tools.runOk(List.of("debugfs", "-w", "-R", "ln <20> dangling", img.toString()));
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_ONLY)) {
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> parts.names.lookup(Caller.ROOT, ROOT, bytes("dangling")));
            assertDamage(e, CorruptionException.Structure.DIRECTORY, ROOT, CorruptionException.NO_BLOCK);
        }
    }

    @Test
    void aFastSymlinkKeepsItsTargetInTheInode() throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        Files.createSymbolicLink(src.resolve("short"), Path.of("t"));
        Files.createSymbolicLink(src.resolve("long"), Path.of("x".repeat(100)));
        Path img = ImageFactory.mkfs(dir.resolve("links.img"), "8M", "-O", "^inline_data", "-d", src.toString());
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_ONLY)) {
            long shortIno = parts.names.lookup(Caller.ROOT, ROOT, bytes("short")).ino();
            long longIno = parts.names.lookup(Caller.ROOT, ROOT, bytes("long")).ino();
            assertTrue(parts.inodes.isFastSymlink(parts.inodes.liveInode(shortIno)));
            assertFalse(parts.inodes.isFastSymlink(parts.inodes.liveInode(longIno)));
            assertEquals("x".repeat(100), new String(parts.data.readlink(longIno)));
        }
    }
}
