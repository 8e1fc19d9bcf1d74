package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.testing.ChildJvm;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.host.ImageLock;

/**
 * kill -9 of a server in the middle of a write workload: after the dead mount is cleaned up,
 * e2fsck -fy leaves an image that e2fsck -fn finds clean, the bytes fsync'd before the kill are
 * intact (debugfs dump), and the image lock died with the server.
 */
class KilledServerIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void killNineLeavesARepairableImageWithTheFsyncedData() throws Exception {
        Path image = temp.resolve("kill.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "64M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process server = new ProcessBuilder(ChildJvm.java(), MountTestSupport.transportProperty(), "-cp", ChildJvm.classpath(),
                VolumeMountMain.class.getName(), image.toString(), mnt.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] durable = new byte[2 << 20];
        new Random(9).nextBytes(durable);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread workload = new Thread(() -> churn(mnt, stop, written), "workload");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("mounted", out.readLine());
            Files.createDirectories(mnt.resolve("keep/deep"));
            try (FileChannel ch = FileChannel.open(mnt.resolve("keep/deep/durable.bin"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(durable));
                ch.force(true);
            }
            // fsync of the directories makes the names durable, as on any filesystem.
            try (FileChannel dir = FileChannel.open(mnt.resolve("keep/deep"))) {
                dir.force(true);
            }
            try (FileChannel dir = FileChannel.open(mnt.resolve("keep"))) {
                dir.force(true);
            }
            try (FileChannel dir = FileChannel.open(mnt)) {
                dir.force(true);
            }
            workload.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (written.get() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(written.get() > 0, "the workload ran");
            MountTestSupport.run(List.of("kill", "-KILL", Long.toString(server.pid())));
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            stop.set(true);
            workload.join(30_000);
        } finally {
            stop.set(true);
            server.destroyForcibly();
            // The dead mount answers ENOTCONN until it is detached.
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
        ImageLock.acquire(image).close();
        int repaired = Tools.run(List.of("e2fsck", "-fy", image.toString())).exitCode();
        assertTrue(repaired == 0 || repaired == 1, "e2fsck -fy repaired or found nothing: exit " + repaired);
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
        Path dump = temp.resolve("durable.bin");
        MountTestSupport.run(List.of("debugfs", "-R", "dump /keep/deep/durable.bin " + dump, image.toString()));
        assertArrayEquals(durable, Files.readAllBytes(dump), "the fsync'd file survives kill -9");
    }

    /** Creates, writes, renames and removes files until stopped or the mount dies. */
    private static void churn(Path mnt, AtomicBoolean stop, AtomicInteger written) {
        Random random = new Random(11);
        byte[] chunk = new byte[64 * 1024];
        try {
            Path dir = Files.createDirectories(mnt.resolve("churn"));
            for (int i = 0; !stop.get(); i++) {
                random.nextBytes(chunk);
                Path f = dir.resolve("f" + (i % 50));
                Files.write(f, chunk, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                if (i % 7 == 0) {
                    Files.move(f, dir.resolve("r" + i));
                }
                if (i % 11 == 0) {
                    Files.deleteIfExists(dir.resolve("r" + (i - 7)));
                }
                written.incrementAndGet();
            }
        } catch (IOException e) {
            // The server was killed under the workload: ENOTCONN from here on is what this test causes.
            if (!stop.get() && written.get() == 0) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
