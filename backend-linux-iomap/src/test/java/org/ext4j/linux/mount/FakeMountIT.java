package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.ext4j.linux.dispatch.FakeFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * A real mount of the in-memory {@link FakeFileSystem}: the kernel, not a test, writes the
 * requests. Proves the device, session and mount plumbing independently of the ext4 core.
 */
class FakeMountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void theKernelSeesTheFakeTree() throws Exception {
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        FakeFileSystem fs = new FakeFileSystem();
        FuseMount mount = null;
        try {
            mount = FuseMount.mount(fs, mnt, MountOptions.readOnly("fake-image"));
            assertTrue(MountPointCheck.isMountPoint(mnt.toRealPath()));
            String expected = "fake-image " + mnt.toRealPath() + " fuse.ext4j ro,";
            assertTrue(Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.startsWith(expected)),
                    "listed in /proc/self/mounts as fuse.ext4j, read-only");
            try (Stream<Path> s = Files.list(mnt)) {
                assertEquals(List.of("hello.txt", "link", "sub"), s.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals("hello, world\n", Files.readString(mnt.resolve("hello.txt")));
            assertEquals(Path.of("hello.txt"), Files.readSymbolicLink(mnt.resolve("link")));
            assertEquals("hello, world\n", Files.readString(mnt.resolve("link")), "followed by the kernel");
            byte[] deep = Files.readAllBytes(mnt.resolve("sub/deep.bin"));
            assertEquals(10_000, deep.length);
            assertEquals((byte) (100 * 7), deep[100]);
            assertEquals(0, deep[5000]);
            assertEquals(0100644, (int) Files.getAttribute(mnt.resolve("hello.txt"), "unix:mode"));
            assertEquals(12L, ((Number) Files.getAttribute(mnt.resolve("hello.txt"), "unix:ino")).longValue());
            assertEquals(2L, ((Number) Files.getAttribute(mnt, "unix:ino")).longValue(), "the root is inode 2");
            assertEquals("12\n", MountTestSupport.run(List.of("stat", "-c", "%i", mnt.resolve("hello.txt").toString())));
            assertTrue(MountTestSupport.run(List.of("getfattr", "-d", mnt.resolve("hello.txt").toString()))
                    .contains("user.colour=\"blue\""));
            assertFalse(Files.exists(mnt.resolve("absent")));
            assertThrows(NoSuchFileException.class, () -> Files.readString(mnt.resolve("absent")));
            FileSystemException rofs = assertThrows(FileSystemException.class,
                    () -> Files.write(mnt.resolve("hello.txt"), new byte[] {1}, StandardOpenOption.APPEND));
            assertTrue(rofs.getMessage().contains("Read-only"), rofs.getMessage());
            assertThrows(IOException.class, () -> Files.createDirectory(mnt.resolve("new")));
            // Busy: a second mount on the same directory is refused with a clear message.
            IOException busy = assertThrows(IOException.class,
                    () -> FuseMount.mount(new FakeFileSystem(), mnt, MountOptions.readOnly("again")));
            assertTrue(busy.getMessage().contains("busy"), busy.getMessage());
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()));
        assertTrue(fs.callsContain("close"), "the filesystem is closed after unmount");
    }

    /**
     * A request the filesystem takes long over (here a read that waits for the test) must not hold
     * up another process's requests: the first reader serves alone only while it keeps up, and a
     * helper reads beside it once one request holds it (with one reader this test hangs until the
     * slow read is let go, and fails).
     */
    @Test
    void aSlowRequestDoesNotHoldUpTheNext() throws Exception {
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        CountDownLatch inSlowRead = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        FakeFileSystem fs = new FakeFileSystem() {
            @Override
            public int read(long ino, long handle, long offset, byte[] dst, int dstOff, int len) {
                if (ino == DEEP) {
                    inSlowRead.countDown();
                    try {
                        letGo.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.read(ino, handle, offset, dst, dstOff, len);
            }
        };
        FuseMount mount = null;
        try {
            mount = FuseMount.mount(fs, mnt, MountOptions.readOnly("fake-image"));
            CompletableFuture<byte[]> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readAllBytes(mnt.resolve("sub/deep.bin"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(inSlowRead.await(30, TimeUnit.SECONDS), "the slow read reached the filesystem");
            CompletableFuture<String> quick = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(mnt.resolve("hello.txt"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals("hello, world\n", quick.get(30, TimeUnit.SECONDS), "served while the slow read waits");
            assertFalse(slow.isDone(), "the slow read is still held");
            letGo.countDown();
            assertEquals(10_000, slow.get(30, TimeUnit.SECONDS).length);
        } finally {
            letGo.countDown();
            MountTestSupport.unmountForSure(mount, mnt);
        }
    }

    @Test
    void badMountPointsAreRefused() throws Exception {
        IOException missing = assertThrows(IOException.class,
                () -> FuseMount.mount(new FakeFileSystem(), temp.resolve("nope"), MountOptions.readOnly("x")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Path full = Files.createDirectory(temp.resolve("full"));
        Files.writeString(full.resolve("f"), "x");
        IOException nonEmpty = assertThrows(IOException.class,
                () -> FuseMount.mount(new FakeFileSystem(), full, MountOptions.readOnly("x")));
        assertTrue(nonEmpty.getMessage().contains("not empty"), nonEmpty.getMessage());
        Path file = Files.writeString(temp.resolve("file"), "x");
        assertThrows(IOException.class, () -> FuseMount.mount(new FakeFileSystem(), file, MountOptions.readOnly("x")));
        assertFalse(MountPointCheck.isMountPoint(full.toRealPath()));
    }
}
