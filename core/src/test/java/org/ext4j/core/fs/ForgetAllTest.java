package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PosixFileSystem#forgetAll}: the kernel's references dropped in one call, as a FUSE server
 * that batches FORGETs hands them over. Files unlinked while referenced sit on the orphan list
 * (dumpe2fs's "First orphan inode"); one forgetAll frees every inode whose last reference it
 * drops and leaves one still referenced on the list; after close, e2fsck -fn is clean and the
 * free inode count is back where it started.
 */
class ForgetAllTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void oneCallFreesEveryInodeWhoseLastReferenceItDrops() throws Exception {
        Path img = dir.resolve("forget.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "2048", img.toString(), "32M"));
        String freeBefore = Tools.dumpe2fsField(img, "Free inodes");
        List<Long> inos = new ArrayList<>();
        long twice;
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            for (int i = 0; i < 40; i++) {
                byte[] name = ("f" + i).getBytes();
                WritableFileSystem.Created c = vol.create(Caller.ROOT, ROOT, name, 0644,
                        WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
                long ino = c.attributes().ino();
                byte[] data = new byte[1 + i * 1000];
                vol.write(Caller.ROOT, ino, c.handle(), 0, data, 0, data.length);
                vol.release(ino, c.handle());
                vol.retain(ino);
                inos.add(ino);
            }
            twice = inos.get(7);
            vol.retain(twice);
            for (int i = 0; i < 40; i++) {
                vol.unlink(Caller.ROOT, ROOT, ("f" + i).getBytes());
            }
            vol.fileSystem().transactions().checkpoint();
            assertTrue(Long.parseLong(Tools.dumpe2fsField(img, "First orphan inode")) != 0, "unlinked, still referenced");

            vol.forgetAll(inos.stream().mapToLong(Long::longValue).toArray());
            vol.fileSystem().transactions().checkpoint();
            assertEquals(Long.toString(twice), Tools.dumpe2fsField(img, "First orphan inode"),
                    "the inode referenced twice is the only orphan left");
            assertTrue(new Debugfs(img).inUse(twice));
            for (long ino : inos) {
                if (ino != twice) {
                    assertFalse(new Debugfs(img).inUse(ino), "inode " + ino + " freed");
                }
            }
            vol.forgetAll(new long[] {twice});
            vol.fileSystem().transactions().checkpoint();
            assertFalse(new Debugfs(img).inUse(twice));
        }
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
        assertEquals(freeBefore, Tools.dumpe2fsField(img, "Free inodes"));
    }
}
