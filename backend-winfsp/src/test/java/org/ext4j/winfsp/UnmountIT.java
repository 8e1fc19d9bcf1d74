package org.ext4j.winfsp;

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
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a WinFsp mount ends: the drive being removed (here: the shim's drive unmounted from outside)
 * or Ctrl-C on the server (the shutdown hook tells WinFsp's loop to exit, which takes the drive
 * away). Either way the server process writes everything out and exits, and the image is clean
 * with the data on it: the journal was committed and checkpointed.
 */
class UnmountIT {
    @TempDir
    Path temp;

    @Test
    void removingTheDriveEndsTheServerWithEverythingWritten() throws Exception {
        served(false);
    }

    @Test
    void ctrlCEndsTheServerWithEverythingWritten() throws Exception {
        served(true);
    }

    private void served(boolean interrupt) throws Exception {
        Path drives = temp.resolve("drives");
        WinFspTestSupport.requireCanMount(drives);
        Path image = ImageFactory.mkfs(temp.resolve("disk.img"), "64M");
        Path drive = drives.resolve("E");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), WinFspMountMain.class.getName(), image.toString(),
                drives.toString(), "e:").redirectError(temp.resolve("server.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("mounted", out.readLine(), () -> "the server did not mount: " + errors());
            byte[] data = new byte[3 << 20];
            new java.util.Random(7).nextBytes(data);
            Files.write(drive.resolve("payload.bin"), data);
            Files.createDirectories(drive.resolve("dir/sub"));
            Files.writeString(drive.resolve("dir/sub/note.txt"), "written just before the end\n");
            if (interrupt) {
                Tools.runOk(List.of("kill", "-INT", Long.toString(server.pid())));
            } else {
                Tools.runOk(List.of("umount", drive.toString()));
            }
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server ended");
            assertEquals(interrupt ? 130 : 0, server.exitValue(), errors());
            assertFalse(WinFspTestSupport.isMountPoint(drive), "the drive is gone");
            ImageFactory.requireClean(image);
            Path dump = Files.createDirectory(temp.resolve("dump"));
            new Debugfs(image).rdump("/", dump);
            assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(dump.resolve("payload.bin"))), "payload.bin");
            assertEquals("written just before the end\n", Files.readString(dump.resolve("dir/sub/note.txt")));
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            if (WinFspTestSupport.isMountPoint(drive)) {
                Tools.run(List.of("umount", "-l", drive.toString()));
            }
        }
    }

    private String errors() {
        try {
            return Files.readString(temp.resolve("server.err"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
