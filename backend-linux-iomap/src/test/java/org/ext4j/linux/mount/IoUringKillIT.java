package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.testing.ChildJvm;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.session.FuseTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a server that serves through FUSE over io_uring while four threads read and write:
 * every thread's system call returns (with an error) instead of waiting for a dead server, the
 * unmount finishes, nothing stays mounted, and the image is repairable. This is the kernel's
 * side of the contract (closing the rings cancels the registered entries and closing /dev/fuse
 * aborts the connection); the test proves the server leaves nothing that keeps it waiting.
 */
class IoUringKillIT {
    private static final long BOUND_SECONDS = 20;

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void killNineDuringRingIoLeavesNothingWaiting() throws Exception {
        Path image = temp.resolve("kill.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "128M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger operations = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        Process server = null;
        try (UringSwitch on = UringSwitch.enable()) {
            server = new ProcessBuilder(ChildJvm.java(), "-D" + FuseTransport.PROPERTY + "=on", "-cp",
                    ChildJvm.classpath(), VolumeMountMain.class.getName(), image.toString(), mnt.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("mounted", out.readLine(), "the server mounted with io_uring=on (the ring was taken)");
                for (int t = 0; t < 4; t++) {
                    int id = t;
                    Thread w = new Thread(() -> churn(mnt.resolve("w" + id), id, stop, operations), "io-" + t);
                    w.start();
                    workers.add(w);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (operations.get() < 400 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(operations.get() > 0, "the workload ran");
                MountTestSupport.run(List.of("kill", "-KILL", Long.toString(server.pid())));
                assertTrue(server.waitFor(BOUND_SECONDS, TimeUnit.SECONDS), "the killed server exited");
            }
            // No stop flag yet: the workers end because the mount fails their calls, not because we ask.
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
                assertFalse(w.isAlive(), w.getName() + " still waits on the dead server");
            }
            long start = System.nanoTime();
            Tools.Result umount = Tools.run(List.of("umount", mnt.toString()));
            assertEquals(0, umount.exitCode(), "umount of the dead mount: " + umount.stderr());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(BOUND_SECONDS), "umount returned in time");
            assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()));
        } finally {
            stop.set(true);
            if (server != null) {
                server.destroyForcibly();
            }
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
            }
            if (MountPointCheck.isMountPoint(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
            }
        }
        ImageLock.acquire(image).close();
        int repaired = Tools.run(List.of("e2fsck", "-fy", image.toString())).exitCode();
        assertTrue(repaired == 0 || repaired == 1, "e2fsck -fy repaired or found nothing: exit " + repaired);
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
    }

    /** Writes, reads back and removes files (some a full 1 MiB request) until a call fails or stop. */
    private static void churn(Path dir, int seed, AtomicBoolean stop, AtomicInteger operations) {
        Random random = new Random(seed);
        try {
            Files.createDirectories(dir);
            for (int i = 0; !stop.get(); i++) {
                byte[] data = new byte[i % 5 == 0 ? 1 << 20 : 1 + random.nextInt(64 * 1024)];
                random.nextBytes(data);
                Path f = dir.resolve("f" + (i % 20));
                Files.write(f, data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
                Files.readAllBytes(f);
                if (i % 3 == 0) {
                    Files.delete(f);
                }
                operations.incrementAndGet();
            }
        } catch (IOException e) {
            // ENOTCONN once the server is dead: the call returned, which is what the test waits for.
        }
    }
}
