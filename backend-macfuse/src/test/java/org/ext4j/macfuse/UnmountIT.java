package org.ext4j.macfuse;

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
 * How a macFUSE mount ends: by the system unmounting the volume (an eject; here umount(8) from
 * outside) or by Ctrl-C on the server. Either way the server process writes everything out and
 * exits, and the image is clean with the data on it: the journal was committed and checkpointed.
 */
class UnmountIT {
    @TempDir
    Path temp;

    @Test
    void anEjectEndsTheServerWithEverythingWritten() throws Exception {
        served(false);
    }

    @Test
    void ctrlCEndsTheServerWithEverythingWritten() throws Exception {
        served(true);
    }

    private void served(boolean interrupt) throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Path image = ImageFactory.mkfs(temp.resolve("disk.img"), "64M");
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), MacFuseMountMain.class.getName(), image.toString(),
                mnt.toString(), volumes.toString()).redirectError(temp.resolve("server.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("mounted", out.readLine(), () -> "the server did not mount: " + errors());
            byte[] data = new byte[3 << 20];
            new java.util.Random(7).nextBytes(data);
            Files.write(mnt.resolve("payload.bin"), data);
            Files.createDirectories(mnt.resolve("dir/sub"));
            Files.writeString(mnt.resolve("dir/sub/note.txt"), "written just before the end\n");
            if (interrupt) {
                Tools.runOk(List.of("kill", "-INT", Long.toString(server.pid())));
            } else {
                Tools.runOk(List.of("umount", mnt.toString()));
            }
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server ended");
            assertFalse(MacFuseTestSupport.isMountPoint(mnt), "nothing stays mounted");
            ImageFactory.requireClean(image);
            Path dump = Files.createDirectory(temp.resolve("dump"));
            new Debugfs(image).rdump("/", dump);
            assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(dump.resolve("payload.bin"))), "payload.bin");
            assertEquals("written just before the end\n", Files.readString(dump.resolve("dir/sub/note.txt")));
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            if (MacFuseTestSupport.isMountPoint(mnt)) {
                Tools.run(List.of("umount", "-l", mnt.toString()));
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
