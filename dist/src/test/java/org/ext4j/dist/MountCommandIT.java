package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ext4j mount -f} and {@code ext4j umount} for real (root, /dev/fuse): the demo tree read
 * through the kernel equals the source tree, bad options and busy mountpoints are refused, and
 * the server returns once unmounted.
 */
class MountCommandIT {
    @TempDir
    Path dir;

    @Test
    void mountServesTheImageUntilUmount() throws Exception {
        Path tree = dir.resolve("tree");
        DemoCommand.writeSampleTree(tree);
        Path img = dir.resolve("demo.img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(
                () -> run("mount", "-f", "-o", "ro,fsname=demo", img.toString(), mnt.toString()));
        try {
            for (int i = 0; i < 100 && !MountCommand.isMounted(mnt.toRealPath()); i++) {
                Thread.sleep(100);
            }
            assertTrue(MountCommand.isMounted(mnt.toRealPath()), "mounted");
            assertArrayEquals(Files.readAllBytes(tree.resolve("data.bin")), Files.readAllBytes(mnt.resolve("data.bin")));
            assertEquals(Files.readString(tree.resolve("docs/deep/nested.txt")),
                    Files.readString(mnt.resolve("docs/deep/nested.txt")));
            assertEquals("hello.txt", Files.readSymbolicLink(mnt.resolve("link-to-hello")).toString());
            java.nio.file.FileSystemException rofs = org.junit.jupiter.api.Assertions.assertThrows(
                    java.nio.file.FileSystemException.class, () -> Files.writeString(mnt.resolve("new.txt"), "x"));
            assertTrue(rofs.getMessage().contains("Read-only file system"), "-o ro: " + rofs.getMessage());
            assertEquals(1, run("mount", img.toString(), mnt.toString()), "a second mount on a busy mountpoint");
            assertEquals(2, run("mount", "-o", "no_such_option", img.toString(), mnt.toString()));
            assertEquals(0, run("umount", mnt.toString()));
            assertEquals(0, server.get(30, TimeUnit.SECONDS), "the foreground server returns after umount");
            assertFalse(MountCommand.isMounted(mnt.toRealPath()));
            assertEquals(1, run("umount", mnt.toString()), "not mounted any more");
        } finally {
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
    }

    @Test
    void mountIsReadWriteByDefaultAndUmountLeavesTheWritesOnTheImage() throws Exception {
        Path img = dir.resolve("rw.img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("rwmnt"));
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> run("mount", "-f", img.toString(),
                mnt.toString()));
        try {
            for (int i = 0; i < 100 && !MountCommand.isMounted(mnt.toRealPath()); i++) {
                Thread.sleep(100);
            }
            assertTrue(MountCommand.isMounted(mnt.toRealPath()), "mounted");
            Files.createDirectory(mnt.resolve("docs"));
            Files.writeString(mnt.resolve("docs/note.txt"), "written through FUSE\n");
            // remount,ro: writes refused, and the image, still mounted, is complete and clean.
            assertEquals(0, run("mount", "-o", "remount,ro", mnt.toString()));
            java.nio.file.FileSystemException rofs = org.junit.jupiter.api.Assertions.assertThrows(
                    java.nio.file.FileSystemException.class, () -> Files.writeString(mnt.resolve("refused"), "x"));
            assertEquals("Read-only file system", rofs.getReason());
            HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
            assertTrue(HostSystem.output(java.util.List.of("debugfs", "-R", "cat /docs/note.txt", img.toString()))
                    .contains("written through FUSE"));
            assertEquals(1, run("mount", "-o", "remount,ro,strictatime", mnt.toString()), "only ro and rw change");
            assertEquals(0, run("mount", "-o", "remount,rw", mnt.toString()));
            Files.writeString(mnt.resolve("docs/later.txt"), "written after remount,rw\n");
            assertEquals(0, run("umount", mnt.toString()));
            assertEquals(0, server.get(30, TimeUnit.SECONDS), "the foreground server returns after umount");
        } finally {
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
        // The server has returned: the image is closed and complete.
        HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
        String cat = HostSystem.output(java.util.List.of("debugfs", "-R", "cat /docs/note.txt", img.toString()));
        assertTrue(cat.contains("written through FUSE"), cat);
    }

    @Test
    void backendLinuxMountsForRealWithTheSharedOptions() throws Exception {
        Path tree = dir.resolve("tree2");
        DemoCommand.writeSampleTree(tree);
        Path img = dir.resolve("linux.img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("linuxmnt"));
        ByteArrayOutputStream serverOut = new ByteArrayOutputStream();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> Main.execute(new String[] {"mount", "-f",
            "--backend", "linux", "-o", "uid=4321,gid=8765,noatime,commit=1", img.toString(), mnt.toString()},
                serverOut, System.err, false));
        try {
            for (int i = 0; i < 100 && !MountCommand.isMounted(mnt.toRealPath()); i++) {
                Thread.sleep(100);
            }
            assertTrue(MountCommand.isMounted(mnt.toRealPath()), "mounted");
            assertEquals(4321, Files.getAttribute(mnt.resolve("hello.txt"), "unix:uid"), "uid= shown");
            assertEquals(8765, Files.getAttribute(mnt.resolve("hello.txt"), "unix:gid"), "gid= shown");
            assertEquals(Files.readString(tree.resolve("hello.txt")), Files.readString(mnt.resolve("hello.txt")));
            Files.writeString(mnt.resolve("through-linux.txt"), "written through --backend linux\n");
            String mounts = Files.readString(Path.of("/proc/self/mounts"));
            assertTrue(mounts.contains(" " + mnt.toRealPath() + " fuse.ext4j rw,nosuid,nodev,noatime"), mounts);
            assertEquals(0, run("umount", mnt.toString()));
            assertEquals(0, server.get(30, TimeUnit.SECONDS), "the foreground server returns after umount");
        } finally {
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
        assertTrue(serverOut.toString(StandardCharsets.UTF_8).startsWith("ext4j: serving " + img + " on " + mnt
                + " (read-write; backend linux)"), serverOut.toString(StandardCharsets.UTF_8));
        HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
        String cat = HostSystem.output(java.util.List.of("debugfs", "-R", "cat /through-linux.txt", img.toString()));
        assertTrue(cat.contains("written through --backend linux"), cat);
    }

    @Test
    void backendLinuxInTheBackgroundAndUnavailableOrUnknownBackends() throws Exception {
        Path img = dir.resolve("bg.img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("bgmnt"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            assertEquals(0, Main.execute(new String[] {"mount", "--backend", "linux", img.toString(), mnt.toString()},
                    out, err, false), err.toString(StandardCharsets.UTF_8));
            String line = out.toString(StandardCharsets.UTF_8);
            assertTrue(line.startsWith("ext4j: mounted " + img + " on " + mnt + " (read-write; backend linux; server pid "),
                    line);
            assertTrue(MountCommand.isMounted(mnt.toRealPath()));
            // mount returns once the server is done starting (it says so in its log), not when the
            // mount first shows: an unmount at once had met the server's own stat of the mountpoint.
            Path serverLog = Path.of(line.substring(line.indexOf(", log ") + 6, line.lastIndexOf(')')));
            assertTrue(Files.readString(serverLog).contains(MountCommand.SERVING + img + " on " + mnt),
                    Files.readString(serverLog));
            // While it is served: a second mount through any backend name is refused before it touches the image.
            CliRun unknown = CliRun.ext4j("mount", "--backend", "nonexistent", img.toString(), mnt.toString());
            assertEquals(1, unknown.status());
            assertEquals(1, unknown.stderr().lines().count(), unknown.stderr());
            CliRun absent = CliRun.ext4j("mount", "--backend", "absent", img.toString(), mnt.toString());
            assertEquals("ext4j: mount: absent: unavailable: libabsent.so.1 not found; apt install libabsent1\n",
                    absent.stderr());
            assertEquals(0, run("umount", mnt.toString()));
        } finally {
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
        for (int i = 0; i < 300; i++) {
            try {
                org.ext4j.core.host.ImageLock.acquire(img).close();
                break;
            } catch (java.io.IOException stillServing) {
                Thread.sleep(100);
            }
        }
        HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
    }

    @Test
    void backendFuse3MountsThroughLibfuse() throws Exception {
        Path img = dir.resolve("fuse3.img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("fuse3mnt"));
        ByteArrayOutputStream serverOut = new ByteArrayOutputStream();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> Main.execute(new String[] {"mount", "-f",
            "--backend", "fuse3", "-o", "noexec,commit=1", img.toString(), mnt.toString()}, serverOut, System.err, false));
        try {
            for (int i = 0; i < 100 && !MountCommand.isMounted(mnt.toRealPath()); i++) {
                Thread.sleep(100);
            }
            assertTrue(MountCommand.isMounted(mnt.toRealPath()), "mounted");
            Files.writeString(mnt.resolve("through-fuse3.txt"), "written through --backend fuse3\n");
            String mounts = Files.readString(Path.of("/proc/self/mounts"));
            assertTrue(mounts.contains(img + " " + mnt.toRealPath() + " fuse.ext4j rw,nosuid,nodev,noexec"), mounts);
            assertEquals(0, run("umount", mnt.toString()));
            assertEquals(0, server.get(30, TimeUnit.SECONDS), "the foreground server returns after umount");
        } finally {
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
        assertTrue(serverOut.toString(StandardCharsets.UTF_8).startsWith("ext4j: serving " + img + " on " + mnt
                + " (read-write; backend fuse3)"), serverOut.toString(StandardCharsets.UTF_8));
        // The server has returned: volume closed, lock released.
        org.ext4j.core.host.ImageLock.acquire(img).close();
        HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
        String cat = HostSystem.output(java.util.List.of("debugfs", "-R", "cat /through-fuse3.txt", img.toString()));
        assertTrue(cat.contains("written through --backend fuse3"), cat);
    }

    @Test
    void sigtermEndsAForegroundFuse3ServerWithExitZero() throws Exception {
        stopSignalEndsTheServerCleanly("fuse3", "TERM");
    }

    @Test
    void ctrlCEndsAForegroundFuse3ServerWithExitZero() throws Exception {
        stopSignalEndsTheServerCleanly("fuse3", "INT");
    }

    @Test
    void sigtermEndsAForegroundLinuxServerWithExitZero() throws Exception {
        stopSignalEndsTheServerCleanly("linux", "TERM");
    }

    /**
     * {@code ext4j mount -f} as its own process (the jar that package built), stopped by
     * {@code signal} as a user or a service manager would: it unmounts, writes out what was
     * written, lets go of the image and exits 0, as after an umount.
     */
    private void stopSignalEndsTheServerCleanly(String backend, String signal) throws Exception {
        Path img = dir.resolve(backend + "-" + signal + ".img");
        HostSystem.run(java.util.List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve(backend + "-" + signal + "-mnt"));
        Path jar = Path.of("target", "ext4j.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " (the package phase builds it before the mount tests)");
        // env resets the signals: a test JVM started in the background may have inherited SIGINT ignored.
        Process server = new ProcessBuilder("env", "--default-signal=INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "mount", "-f", "--backend", backend, img.toString(), mnt.toString())
                .redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("ext4j: serving ")) {
                output.append(line).append('\n');
            }
            assertTrue(line != null, "the server never said it was serving: " + output);
            Files.createDirectory(mnt.resolve("dir"));
            Files.writeString(mnt.resolve("dir/before-" + signal), "written before SIG" + signal + "\n");
            HostSystem.run(java.util.List.of("kill", "-" + signal, Long.toString(server.pid())));
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server exits after SIG" + signal);
            while ((line = out.readLine()) != null) {
                output.append(line).append('\n');
            }
            assertEquals(0, server.exitValue(), "exit status after SIG" + signal + "; output: " + output);
            assertFalse(MountCommand.isMounted(mnt.toRealPath()), "nothing stays mounted");
        } finally {
            server.destroyForcibly();
            if (MountCommand.isMounted(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
            }
        }
        // The lock is free at once: the server let go of the image before it exited.
        org.ext4j.core.host.ImageLock.acquire(img).close();
        HostSystem.run(java.util.List.of("e2fsck", "-fn", img.toString()));
        String cat = HostSystem.output(java.util.List.of("debugfs", "-R", "cat /dir/before-" + signal, img.toString()));
        assertTrue(cat.contains("written before SIG" + signal), cat);
    }

    private static int run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.execute(args, out, err, false);
        System.out.print(out.toString(StandardCharsets.UTF_8));
        System.out.print(err.toString(StandardCharsets.UTF_8));
        return rc;
    }
}
