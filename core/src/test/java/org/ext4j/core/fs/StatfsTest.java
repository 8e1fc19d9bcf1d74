package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * statfs reports the free counts as they are now, as the kernel's per-cpu counters do, not as they
 * were at mount: after creating, writing and unlinking files, its free blocks and inodes are the
 * counts dumpe2fs reads from the checkpointed superblock, which e2fsck -fn then finds right.
 */
class StatfsTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void freeCountsFollowEveryTransaction() throws Exception {
        Path img = dir.resolve("statfs.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", img.toString(), "32M"));
        long inodesAtMkfs = dumpe2fs(img, "Free inodes");
        long blocksAtMkfs = dumpe2fs(img, "Free blocks");
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            assertCounts(img, vol.statfs(), inodesAtMkfs, blocksAtMkfs);
            for (int i = 0; i < 12; i++) {
                WritableFileSystem.Created c = vol.create(Caller.ROOT, ROOT, ("f" + i).getBytes(), 0644,
                        WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
                long ino = c.attributes().ino();
                byte[] data = new byte[64 * 1024];
                vol.write(Caller.ROOT, ino, c.handle(), 0, data, 0, data.length);
                vol.release(ino, c.handle());
            }
            StatFs grown = vol.statfs();
            assertEquals(inodesAtMkfs - 12, grown.filesFree());
            assertTrue(grown.blocksFree() <= blocksAtMkfs - 12 * 16, "12 files of 16 blocks: " + grown);
            vol.fileSystem().transactions().checkpoint();
            assertCounts(img, grown, dumpe2fs(img, "Free inodes"), dumpe2fs(img, "Free blocks"));
            for (int i = 0; i < 5; i++) {
                vol.unlink(Caller.ROOT, ROOT, ("f" + i).getBytes());
            }
            StatFs shrunk = vol.statfs();
            assertEquals(grown.filesFree() + 5, shrunk.filesFree());
            assertEquals(grown.blocksFree() + 5 * 16, shrunk.blocksFree());
            vol.fileSystem().transactions().checkpoint();
            assertCounts(img, shrunk, dumpe2fs(img, "Free inodes"), dumpe2fs(img, "Free blocks"));
        }
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
    }

    private static long dumpe2fs(Path img, String field) {
        return Long.parseLong(Tools.dumpe2fsField(img, field));
    }

    private static void assertCounts(Path img, StatFs s, long freeInodes, long freeBlocks) {
        assertEquals(freeInodes, s.filesFree(), "free inodes of " + img.getFileName());
        assertEquals(freeBlocks, s.blocksFree(), "free blocks of " + img.getFileName());
    }
}
