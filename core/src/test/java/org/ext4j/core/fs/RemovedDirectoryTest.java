package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.backend.OwnerOverride;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.OrphanRecords;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rmdir of a directory the kernel still references (a working directory): as ext4_rmdir does, the
 * directory loses its links and goes on the orphan list, still readable (links 0, size 0), and is
 * freed when the last reference goes; a crash meanwhile leaves an orphan that e2fsck frees. One
 * nobody references is freed at once. debugfs and e2fsck are the oracle for the image.
 */
class RemovedDirectoryTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final byte[] D = {'d'};

    @TempDir
    Path temp;

    private Path image(String name) {
        Path img = temp.resolve(name);
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", img.toString(), "16M"));
        return img;
    }

    /** The classic orphan chain, newest first (dumpe2fs's "First orphan inode", then each dtime). */
    private static List<Long> orphans(Path img, long ino) {
        return OrphanRecords.chain(img, List.of(ino));
    }

    @Test
    void aReferencedDirectoryStaysOnTheOrphanListUntilItsLastReferenceGoes() throws Exception {
        Path img = image("kept.img");
        String freeBefore = Tools.dumpe2fsField(img, "Free inodes");
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long ino = vol.mkdir(Caller.ROOT, ROOT, D, 0755, 0).ino();
            vol.retain(ino);
            vol.rmdir(Caller.ROOT, ROOT, D);
            Attributes a = vol.getattr(ino);
            assertEquals(FileType.DIRECTORY, a.type());
            assertEquals(0, a.nlink());
            assertEquals(0, a.size(), "empty, as the kernel shows a removed directory");
            vol.releasedir(ino, vol.opendir(Caller.ROOT, ino));
            vol.fileSystem().transactions().checkpoint();
            assertEquals(List.of(ino), orphans(img, ino));
            assertTrue(new Debugfs(img).inUse(ino));

            vol.forget(ino);
            vol.fileSystem().transactions().checkpoint();
            assertFalse(new Debugfs(img).inUse(ino), "freed with its last reference");
            assertEquals(List.of(), orphans(img, ino));
            assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> vol.getattr(ino)).errno());
        }
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
        assertEquals(freeBefore, Tools.dumpe2fsField(img, "Free inodes"));
    }

    @Test
    void aCrashWhileItIsAnOrphanLeavesWhatE2fsckFrees() throws Exception {
        Path img = image("crash.img");
        String freeBefore = Tools.dumpe2fsField(img, "Free inodes");
        Path copy = temp.resolve("crashed.img");
        long ino;
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            ino = vol.mkdir(Caller.ROOT, ROOT, D, 0755, 0).ino();
            vol.retain(ino);
            vol.rmdir(Caller.ROOT, ROOT, D);
            vol.fileSystem().transactions().checkpoint();
            Files.copy(img, copy);   // the image as a crash would leave it
        }
        assertEquals(List.of(ino), orphans(copy, ino));
        Tools.Result fixed = Tools.run(List.of("e2fsck", "-fy", copy.toString()));
        assertTrue(fixed.exitCode() <= 1, "e2fsck -fy: " + fixed.stdout());
        Tools.runOk(List.of("e2fsck", "-fn", copy.toString()));
        assertEquals(freeBefore, Tools.dumpe2fsField(copy, "Free inodes"));
        assertFalse(new Debugfs(copy).inUse(ino));
    }

    @Test
    void anUnreferencedDirectoryIsFreedAtOnce() throws Exception {
        Path img = image("gone.img");
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long ino = vol.mkdir(Caller.ROOT, ROOT, D, 0755, 0).ino();
            vol.rmdir(Caller.ROOT, ROOT, D);
            assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> vol.getattr(ino)).errno());
            vol.fileSystem().transactions().checkpoint();
            assertFalse(new Debugfs(img).inUse(ino));
            assertEquals(List.of(), orphans(img, ino));
        }
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
    }

    @Test
    void theOwnerOverridePassesTheKernelsReferencesOn() throws Exception {
        Path img = image("owned.img");
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            InodeFileSystem shown = new OwnerOverride(vol, OptionalLong.of(1000), OptionalLong.empty());
            long ino = vol.mkdir(Caller.ROOT, ROOT, D, 0755, 0).ino();
            shown.retain(ino);
            shown.writable().orElseThrow().rmdir(Caller.ROOT, ROOT, D);
            assertEquals(1000, shown.getattr(ino).uid(), "still there, shown with the override");
            shown.forgetAll(new long[] {ino});
            assertEquals(Errno.ESTALE, assertThrows(Ext4Exception.class, () -> shown.getattr(ino)).errno());
        }
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
    }
}
