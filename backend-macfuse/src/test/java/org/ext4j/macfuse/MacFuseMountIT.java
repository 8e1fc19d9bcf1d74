package org.ext4j.macfuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.StatFs;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.MountTable;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount through macFUSE's ABI (the shim on Linux libfuse3): files written through it are on
 * the image (debugfs) after unmount, attributes come back through struct fuse_darwin_attr and
 * struct statfs, and the image is clean.
 */
class MacFuseMountIT {
    @TempDir
    Path temp;

    @Test
    void writesThroughMacFusesAbiReachTheImage() throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Path image = ImageFactory.mkfs(temp.resolve("smoke.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        HighLevelMount mount = MacFuseTestSupport.mount(image, mnt, MacFuseTestSupport.vfsWithOwners(image), volumes);
        long ino;
        long total;
        try {
            Files.createDirectories(mnt.resolve("a/b"));
            Files.writeString(mnt.resolve("a/b/hello.txt"), "hello\n");
            assertEquals("hello\n", Files.readString(mnt.resolve("a/b/hello.txt")));
            try (java.util.stream.Stream<Path> listing = Files.list(mnt.resolve("a"))) {
                assertEquals(List.of("b"), listing.map(p -> p.getFileName().toString()).toList());
            }
            ino = (Long) Files.getAttribute(mnt.resolve("a/b/hello.txt"), "unix:ino");
            assertEquals(6L, Files.size(mnt.resolve("a/b/hello.txt")));
            total = Files.getFileStore(mnt).getTotalSpace();
        } finally {
            HighLevelMounts.unmountForSure(mount, mnt);
        }
        assertFalse(MountTable.isMountPoint(mnt));
        ImageFactory.requireClean(image);
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            StatFs s = volume.statfs();
            assertEquals(s.blocks() * s.blockSize(), total, "statfs through struct statfs: f_blocks * f_bsize");
        }
        assertEquals("hello\n", new Debugfs(image).run("cat /a/b/hello.txt"));
        assertTrue(new Debugfs(image).run("ls -l /a/b").contains(" " + ino + " "), "inode " + ino);
    }
}
