package org.ext4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * uid=/gid=: every inode shows the override, the shown identity acts on disk as the owner, new
 * inodes take their directory's on-disk owner; checked with debugfs and e2fsck on the image.
 */
class OwnerOverrideTest {
    private static final Caller MOUNTER = new Caller(1000, 100, new long[0], 1);
    private static final Caller STRANGER = new Caller(2000, 2000, new long[0], 2);

    @TempDir
    Path temp;

    private static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void showsTheOverrideAndWritesAsTheDiskOwner() throws Exception {
        Path image = temp.resolve("owned.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-E", "root_owner=1234:5678", image.toString(), "8M"));
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            OwnerOverride fs = new OwnerOverride(volume, OptionalLong.of(1000), OptionalLong.of(100));
            Attributes root = fs.getattr(InodeFileSystem.ROOT_INO);
            assertEquals(1000, root.uid());
            assertEquals(100, root.gid());
            Attributes file = fs.create(MOUNTER, InodeFileSystem.ROOT_INO, name("mine"), 0640, InodeFileSystem.O_RDWR)
                    .attributes();
            assertEquals(1000, file.uid(), "shown as the override");
            Attributes dir = fs.mkdir(MOUNTER, InodeFileSystem.ROOT_INO, name("d"), 0700);
            assertEquals(100, dir.gid());
            fs.setattr(MOUNTER, file.ino(), 0, SetAttr.chmod(0600));
            // Anyone else keeps their own credentials: the root directory (0755, on disk 1234's) refuses them.
            Ext4Exception denied = assertThrows(Ext4Exception.class,
                    () -> fs.mkdir(STRANGER, InodeFileSystem.ROOT_INO, name("theirs"), 0700));
            assertEquals(Errno.EACCES, denied.errno());
            assertEquals(file.ino(), fs.lookup(STRANGER, InodeFileSystem.ROOT_INO, name("mine")).ino());
        }
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        Debugfs debugfs = new Debugfs(image);
        Debugfs.InodeStat mine = debugfs.stat("/mine");
        assertEquals(1234, mine.uid(), "on disk: the directory's owner");
        assertEquals(5678, mine.gid());
        assertEquals(0600, mine.mode() & 07777);
        assertEquals(1234, debugfs.stat("/d").uid());
    }

    @Test
    void noOverrideLeavesTheFilesystemAlone() throws Exception {
        Path image = temp.resolve("plain.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", image.toString(), "8M"));
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            assertEquals(volume, OwnerOverride.apply(volume, MountOptions.readOnly("x")));
            InodeFileSystem onlyUid = OwnerOverride.apply(volume,
                    MountOptions.readOnly("x").withOwnerUid(OptionalLong.of(7)));
            Attributes root = onlyUid.getattr(InodeFileSystem.ROOT_INO);
            assertEquals(7, root.uid());
            assertEquals(0, root.gid(), "the group stays the disk's");
        }
    }
}
