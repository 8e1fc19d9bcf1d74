package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * setattr, setflags and lseek on files made by mkfs -d, checked with debugfs stat (mode, owner,
 * times to the nanosecond through the hex fields, flags), e2fsck -fn, and for lseek the kernel's
 * answer on a read-only loop mount. The permission rules are compared with the kernel by
 * KernelParityTest; here they are pinned case by case.
 */
class SetattrTest {
    private static final Instant NOW = Instant.parse("2030-06-01T10:20:30.123456789Z");
    private static final Caller USER = new Caller(1000, 1000, new long[0], 1);
    private static final Caller STRANGER = new Caller(2000, 2000, new long[0], 2);

    @TempDir
    Path dir;

    @BeforeAll
    static void images() {
        ImageFactory.shared().prefetch(List.of(Variant.EXT4, Variant.EXT4_INODE_128));
    }

    private interface VolumeWork {
        void run(PosixFileSystem volume, Debugfs before) throws Exception;
    }

    /** Runs {@code work} on a writable copy of {@code variant}, then requires a clean e2fsck; returns the image. */
    private Path withVolume(Variant variant, VolumeWork work) throws Exception {
        Path image = ImageFactory.shared().copyOf(variant, dir);
        Debugfs debugfs = new Debugfs(image);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(image, false), OpenOptions.READ_WRITE)) {
            work.run(PosixFileSystem.of(fs, Clock.fixed(NOW, ZoneOffset.UTC)), debugfs);
        }
        ImageFactory.requireClean(image);
        return image;
    }

    private static long ino(Debugfs debugfs, String path) {
        return debugfs.lookup(path).orElseThrow(() -> new AssertionError("no " + path));
    }

    private static void assertErrno(Errno expected, Runnable op) {
        Ext4Exception e = assertThrows(Ext4Exception.class, op::run);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    @Test
    void chmodChownAndTimesReachTheDiskAsDebugfsReadsThem() throws Exception {
        Timestamp atime = new Timestamp(1_234_567_890L, 987_654_321);
        Timestamp mtime = new Timestamp(5_000_000_000L, 1);
        long[] inode = new long[1];
        Path image = withVolume(Variant.EXT4, (volume, debugfs) -> {
            inode[0] = ino(debugfs, "/modes/exec");
            volume.setattr(Caller.ROOT, inode[0], -1, SetAttr.chmod(02741));
            volume.setattr(Caller.ROOT, inode[0], -1, SetAttr.chown(70_000, 1234));
            Attributes a = volume.setattr(Caller.ROOT, inode[0], -1, SetAttr.utimens(TimeChange.set(atime), TimeChange.set(mtime)));
            assertEquals(0102741, a.mode(), "root keeps setgid when the group may not execute");
            assertEquals(atime, a.atime());
            assertEquals(mtime, a.mtime());
            assertEquals(new Timestamp(NOW.getEpochSecond(), NOW.getNano()), a.ctime());
        });
        Debugfs.InodeStat st = new Debugfs(image).stat("<" + inode[0] + ">");
        assertEquals(02741, st.mode());
        assertEquals(70_000, st.uid());
        assertEquals(1234, st.gid());
        assertEquals(Instant.ofEpochSecond(atime.seconds(), atime.nanos()), st.atime());
        assertEquals(Instant.ofEpochSecond(mtime.seconds(), mtime.nanos()), st.mtime());
        assertEquals(NOW, st.ctime());
    }

    @Test
    void timesAreClampedAndSmallInodesDropNanoseconds() throws Exception {
        long[] inode = new long[1];
        Path image = withVolume(Variant.EXT4_INODE_128, (volume, debugfs) -> {
            inode[0] = ino(debugfs, "/modes/exec");
            Attributes a = volume.setattr(Caller.ROOT, inode[0], -1, SetAttr.utimens(
                    TimeChange.set(new Timestamp(5_000_000_000L, 5)), TimeChange.set(new Timestamp(-7, 999))));
            assertEquals(new Timestamp(Integer.MAX_VALUE, 0), a.atime(), "past 2038 a 128-byte inode stops");
            assertEquals(new Timestamp(-7, 0), a.mtime(), "no room for nanoseconds");
        });
        Debugfs.InodeStat st = new Debugfs(image).stat("<" + inode[0] + ">");
        assertEquals(Instant.ofEpochSecond(Integer.MAX_VALUE), st.atime());
        assertEquals(Instant.ofEpochSecond(-7), st.mtime());
    }

    @Test
    void theKernelsPermissionRules() throws Exception {
        Path image = withVolume(Variant.EXT4, (volume, debugfs) -> {
            long owned = ino(debugfs, "/modes/owned-1000");
            long setuid = ino(debugfs, "/modes/setuid");
            long setgid = ino(debugfs, "/modes/setgid");
            long link = ino(debugfs, "/modes/owned-link");
            assertErrno(Errno.EPERM, () -> volume.setattr(STRANGER, owned, -1, SetAttr.chmod(0777)));
            assertErrno(Errno.EPERM, () -> volume.setattr(USER, owned, -1, SetAttr.chown(2000, -1)));
            assertErrno(Errno.EPERM, () -> volume.setattr(USER, owned, -1, SetAttr.chown(-1, 2000)));
            assertErrno(Errno.EPERM, () -> volume.setattr(STRANGER, owned, -1,
                    SetAttr.utimens(TimeChange.set(Timestamp.EPOCH), TimeChange.OMIT)));
            assertErrno(Errno.EPERM, () -> volume.setattr(STRANGER, owned, -1, SetAttr.utimens(TimeChange.NOW, TimeChange.OMIT)));
            assertErrno(Errno.EACCES, () -> volume.setattr(STRANGER, owned, -1, SetAttr.utimens(TimeChange.NOW, TimeChange.NOW)));
            assertErrno(Errno.EOPNOTSUPP, () -> volume.setattr(USER, link, -1, SetAttr.chmod(0700)));
            assertErrno(Errno.EACCES, () -> volume.setattr(STRANGER, owned, -1, SetAttr.truncate(0)));
            assertEquals(0, volume.setattr(Caller.ROOT, owned, -1, SetAttr.truncate(0)).size());
            // The owner keeps his uid and gives a group he is in: allowed.
            volume.setattr(USER, owned, -1, SetAttr.chown(1000, 1000));
            // A non-owner with write permission may set both times to now.
            volume.setattr(Caller.ROOT, owned, -1, SetAttr.chmod(0666));
            volume.setattr(STRANGER, owned, -1, SetAttr.utimens(TimeChange.NOW, TimeChange.NOW));
            // chmod g+s by an owner outside the file's group loses setgid.
            volume.setattr(Caller.ROOT, owned, -1, SetAttr.chown(-1, 5555));
            assertEquals(0100755, volume.setattr(USER, owned, -1, SetAttr.chmod(02755)).mode());
            // chown clears setuid even for root, and setgid when the group may execute.
            assertEquals(0100755, volume.setattr(Caller.ROOT, setuid, -1, SetAttr.chown(-1, 0)).mode());
            assertEquals(0100755, volume.setattr(Caller.ROOT, setgid, -1, SetAttr.chown(1, -1)).mode());
            // Immutable refuses even root; only root may set it.
            assertErrno(Errno.EPERM, () -> volume.setflags(USER, owned, volume.getflags(owned) | InodeFlags.EXT4_IMMUTABLE_FL));
            volume.setflags(Caller.ROOT, owned, volume.getflags(owned) | InodeFlags.EXT4_IMMUTABLE_FL);
            assertErrno(Errno.EPERM, () -> volume.setattr(Caller.ROOT, owned, -1, SetAttr.chmod(0600)));
            assertErrno(Errno.EPERM, () -> volume.setattr(Caller.ROOT, owned, -1, SetAttr.utimens(TimeChange.NOW, TimeChange.NOW)));
            assertErrno(Errno.EOPNOTSUPP, () -> volume.setflags(Caller.ROOT, link, InodeFlags.EXT4_SYNC_FL));
            assertEquals(2, volume.mkdir(Caller.ROOT, 2, "x".getBytes(), 0755).nlink());
        });
        Debugfs debugfs = new Debugfs(image);
        Debugfs.InodeStat owned = debugfs.stat("/modes/owned-1000");
        assertTrue(owned.hasFlag(InodeFlags.EXT4_IMMUTABLE_FL), "immutable on disk");
        assertEquals(0755, owned.mode());
        assertEquals(5555, owned.gid());
        assertEquals(0755, debugfs.stat("/modes/setuid").mode());
        assertEquals(0755, debugfs.stat("/modes/setgid").mode());
    }

    @Test
    void aReadOnlyVolumeRefusesWithErofs() throws Exception {
        Path image = ImageFactory.shared().image(Variant.EXT4);
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            assertErrno(Errno.EROFS, () -> volume.setattr(Caller.ROOT, 2, -1, SetAttr.chmod(0700)));
            assertErrno(Errno.EROFS, () -> volume.setflags(Caller.ROOT, 2, 0));
            assertErrno(Errno.EROFS, () -> volume.create(Caller.ROOT, 2, "x".getBytes(), 0644, 0));
        }
    }

    /** SEEK_DATA / SEEK_HOLE on the sparse files, against the kernel on a read-only loop mount. */
    @Test
    void lseekFindsDataAndHolesWhereTheKernelDoes() throws Exception {
        Path image = ImageFactory.shared().copyOf(Variant.EXT4, dir);
        Path mount = dir.resolve("mnt");
        java.nio.file.Files.createDirectories(mount);
        List<String> names = List.of("hole-start", "hole-middle", "hole-end", "all-hole");
        List<String> kernel = new ArrayList<>();
        Tools.run(List.of("mount", "-o", "ro,loop", image.toString(), mount.toString()), Duration.ofSeconds(30)).requireExit(0);
        try {
            for (String name : names) {
                kernel.add(Tools.run(List.of("/usr/bin/python3", "-c", String.join("\n",
                        "import os, sys",
                        "fd = os.open(sys.argv[1], os.O_RDONLY)",
                        "size = os.fstat(fd).st_size",
                        "out = []",
                        "for whence in (os.SEEK_DATA, os.SEEK_HOLE):",
                        "    for off in (0, 1, 4095, 4096, 8191, 8192, 12288, size - 1):",
                        "        try: out.append(str(os.lseek(fd, off, whence)))",
                        "        except OSError as e: out.append('E' + str(e.errno))",
                        "print(' '.join(out))"), mount.resolve("sparse").resolve(name).toString()),
                        Duration.ofSeconds(30)).requireExit(0).stdout().trim());
            }
        } finally {
            Tools.run(List.of("umount", mount.toString()), Duration.ofSeconds(30)).requireExit(0);
        }
        Debugfs debugfs = new Debugfs(image);
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            for (int i = 0; i < names.size(); i++) {
                long ino = ino(debugfs, "/sparse/" + names.get(i));
                long size = volume.getattr(ino).size();
                long handle = volume.open(Caller.ROOT, ino, WritableFileSystem.O_RDONLY);
                List<String> ours = new ArrayList<>();
                for (int whence : new int[] {WritableFileSystem.SEEK_DATA, WritableFileSystem.SEEK_HOLE}) {
                    for (long off : new long[] {0, 1, 4095, 4096, 8191, 8192, 12288, size - 1}) {
                        try {
                            ours.add(Long.toString(volume.lseek(ino, handle, off, whence)));
                        } catch (Ext4Exception e) {
                            ours.add("E" + e.errno().code());
                        }
                    }
                }
                volume.release(ino, handle);
                assertEquals(kernel.get(i), String.join(" ", ours), "SEEK_DATA then SEEK_HOLE in sparse/" + names.get(i));
            }
        }
    }
}
