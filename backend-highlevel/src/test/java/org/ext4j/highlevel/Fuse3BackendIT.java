package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.Backends;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptionParser;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.host.HostOs;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount through the SPI's fuse3 backend, as {@code ext4j mount --backend fuse3} makes it: the
 * shared options reach libfuse (noexec in the mount table), the handle unmounts and then lets go
 * of the volume and the image lock, and a non-empty mount point needs nonempty as on Linux.
 */
class Fuse3BackendIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void mountsThroughTheSpiAndReleasesTheLock() throws Exception {
        Backend fuse3 = Backends.discover().select("fuse3", HostOs.current());
        Path image = ImageFactory.mkfs(temp.resolve("spi.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        MountOptions options = MountOptionParser.parse(MountOptions.readWrite(image.toString()),
                List.of("noexec,noatime,commit=1"), fuse3);
        ImageLock lock = ImageLock.acquire(image);
        PosixFileSystem volume = PosixFileSystem.open(image, options.openOptions());
        MountHandle mount = fuse3.mount(new Volume(volume, image, lock), mnt, options);
        try {
            assertTrue(mount.isMounted());
            assertEquals("read-write", mount.describe());
            String line = MountTable.line(mnt);
            assertTrue(line != null && line.startsWith(image + " ") && line.contains(" fuse.ext4j ")
                    && line.contains("noexec") && line.contains("noatime"), "" + line);
            assertTrue(fuse3.isMounted(mnt), "the SPI sees the mount");
            Files.writeString(mnt.resolve("through-the-spi.txt"), "fuse3 via the SPI\n");
            IOException second = assertThrows(IOException.class, () -> ImageLock.acquire(image));
            assertTrue(second.getMessage().contains("is in use"), second.getMessage());
        } finally {
            mount.unmount();
            HighLevelMounts.unmountForSure(null, mnt);
        }
        assertFalse(mount.isMounted());
        assertFalse(fuse3.isMounted(mnt));
        ImageLock.acquire(image).close();
        ImageFactory.requireClean(image);
        assertEquals("fuse3 via the SPI\n", new Debugfs(image).run("cat /through-the-spi.txt"));
    }

    @Test
    void aNonEmptyMountPointNeedsNonempty() throws Exception {
        Backend fuse3 = Backends.discover().select("fuse3", HostOs.current());
        Path image = ImageFactory.mkfs(temp.resolve("nonempty.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("full"));
        Files.writeString(mnt.resolve("already-here"), "x");
        MountOptions ro = MountOptions.readOnly(image.toString());
        PosixFileSystem volume = PosixFileSystem.open(image, ro.openOptions());
        try {
            IOException e = assertThrows(IOException.class, () -> fuse3.mount(new Volume(volume, image, null), mnt, ro));
            assertEquals("mount point " + mnt + " is not empty (mount over it with -o nonempty)", e.getMessage());
        } finally {
            volume.close();
        }
        MountOptions nonempty = ro.withAllowNonEmpty(true);
        MountHandle mount = fuse3.mount(new Volume(PosixFileSystem.open(image, nonempty.openOptions()), image, null), mnt,
                nonempty);
        try {
            assertTrue(Files.isDirectory(mnt.resolve("lost+found")), "the image's root shows");
            assertEquals("read-only", mount.describe());
        } finally {
            mount.unmount();
            HighLevelMounts.unmountForSure(null, mnt);
        }
        assertEquals("x", Files.readString(mnt.resolve("already-here")), "uncovered again");
    }
}
