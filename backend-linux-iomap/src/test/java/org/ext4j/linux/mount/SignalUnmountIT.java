package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.testing.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a serving process unmounts cleanly and closes the filesystem (the shutdown hook); on
 * a read-write mount what was written is on the image when the process has exited.
 */
class SignalUnmountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void sigtermUnmountsAndCloses() throws Exception {
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                ChildJvm.classpath(), FakeMountMain.class.getName(), mnt.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("mounted", out.readLine());
            assertTrue(MountPointCheck.isMountPoint(mnt.toRealPath()));
            assertEquals("hello, world\n", Files.readString(mnt.resolve("hello.txt")));
            // kill(1), not Process.destroy(): destroy also closes our end of the child's stdout.
            MountTestSupport.run(List.of("kill", "-TERM", Long.toString(child.pid())));
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits after SIGTERM");
            assertEquals("closed", out.readLine(), "the filesystem was closed");
            assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()), "and nothing stays mounted");
        } finally {
            child.destroyForcibly();
            MountTestSupport.unmountForSure(null, mnt);
        }
    }

    @Test
    void sigtermFlushesWhatWasWritten() throws Exception {
        Path image = temp.resolve("rw.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "16M"));
        Path mnt = Files.createDirectory(temp.resolve("rw"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                ChildJvm.classpath(), VolumeMountMain.class.getName(), image.toString(), mnt.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] data = new byte[3 << 20];
        new java.util.Random(7).nextBytes(data);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("mounted", out.readLine());
            Files.createDirectories(mnt.resolve("dir/sub"));
            Files.write(mnt.resolve("dir/sub/data.bin"), data);
            Files.createSymbolicLink(mnt.resolve("link"), Path.of("dir/sub/data.bin"));
            MountTestSupport.run(List.of("kill", "-TERM", Long.toString(child.pid())));
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits after SIGTERM");
            assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()), "and nothing stays mounted");
        } finally {
            child.destroyForcibly();
            MountTestSupport.unmountForSure(null, mnt);
        }
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
        Path dump = temp.resolve("dump.bin");
        MountTestSupport.run(List.of("debugfs", "-R", "dump /dir/sub/data.bin " + dump, image.toString()));
        assertArrayEquals(data, Files.readAllBytes(dump), "the data written before SIGTERM");
        assertTrue(MountTestSupport.run(List.of("debugfs", "-R", "stat /link", image.toString())).contains("dir/sub/data.bin"));
    }
}
