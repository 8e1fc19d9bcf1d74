package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Going read-only and back while open, as mount -o remount does: read-only writes out and
 * checkpoints what was committed (e2fsck -fn and debugfs, which replay nothing, see it while the
 * volume is still open) and refuses changes; read-write takes them again.
 */
class RemountTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    @Test
    void readOnlyRemountLeavesACleanImageAndReadWriteResumes() throws Exception {
        Path img = dir.resolve("remount.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE.withCommitInterval(java.time.Duration.ZERO))) {
            vol.mkdir(Caller.ROOT, ROOT, bytes("before"), 0755);
            WritableFileSystem.Created f = vol.create(Caller.ROOT, ROOT, bytes("f"), 0644, WritableFileSystem.O_WRONLY);
            vol.write(Caller.ROOT, f.attributes().ino(), f.handle(), 0, bytes("committed"), 0, 9);
            vol.release(f.attributes().ino(), f.handle());
            Tools.Result dirty = Tools.run(List.of("e2fsck", "-fn", img.toString()));
            assertTrue(dirty.exitCode() != 0 || !new Debugfs(img).lookup("/before").isPresent(),
                    "without a commit interval nothing reached the image yet: " + dirty.stdout());

            vol.remount(true);
            assertTrue(vol.isReadOnly());
            Tools.run(List.of("e2fsck", "-fn", img.toString())).requireExit(0);
            assertEquals("committed", new String(new Debugfs(img).cat("/f"), StandardCharsets.UTF_8));
            Ext4Exception refused = assertThrows(Ext4Exception.class, () -> vol.mkdir(Caller.ROOT, ROOT, bytes("ro"), 0755));
            assertEquals(Errno.EROFS, refused.errno());
            vol.remount(true);

            vol.remount(false);
            vol.mkdir(Caller.ROOT, ROOT, bytes("after"), 0755);
        }
        Tools.run(List.of("e2fsck", "-fn", img.toString())).requireExit(0);
        Debugfs debugfs = new Debugfs(img);
        assertTrue(debugfs.lookup("/after").isPresent());
        assertTrue(debugfs.lookup("/before").isPresent());
    }

    @Test
    void aVolumeOpenedReadOnlyCannotBeRemountedReadWrite() throws Exception {
        Path img = dir.resolve("ro.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_ONLY)) {
            Ext4Exception refused = assertThrows(Ext4Exception.class, () -> vol.remount(false));
            assertEquals(Errno.EROFS, refused.errno());
            assertTrue(refused.getMessage().contains("opened read-only"), refused.getMessage());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
