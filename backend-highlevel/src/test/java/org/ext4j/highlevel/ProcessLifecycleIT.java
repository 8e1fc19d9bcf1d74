package org.ext4j.highlevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.ChildJvm;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serving process's life through the fuse3 backend: SIGTERM unmounts and leaves what was
 * written on a clean image; kill -9 leaves an image whose journal e2fsck replays, with the
 * fsync'd data intact; a normal user (nobody, through setpriv) mounts through fusermount3,
 * writes, and unmounts with fusermount3 -u.
 */
class ProcessLifecycleIT {
    private static final String NOBODY = "65534";

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
        Tools.require("setpriv");
        Tools.require("fusermount3");
        assertTrue(worldReadWrite(Path.of("/dev/fuse")), "/dev/fuse is not crw-rw-rw- (scripts/test.sh sets it as udev does)");
        // libfuse 3.17 opens it write-only for fusermount3's output: else the first try fails unseen.
        assertTrue(worldReadWrite(Path.of("/dev/null")), "/dev/null is not crw-rw-rw- (scripts/test.sh sets it)");
    }

    @Test
    void sigtermUnmountsAndLeavesTheDataOnACleanImage() throws Exception {
        Path image = ImageFactory.mkfs(temp.resolve("term.img"), "32M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process child = server(List.of(), image, mnt).start();
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        try (BufferedReader out = reader(child)) {
            assertEquals("mounted", out.readLine(), () -> stderrOf(child));
            Files.createDirectories(mnt.resolve("dir/sub"));
            Files.write(mnt.resolve("dir/sub/data.bin"), data);
            Files.createSymbolicLink(mnt.resolve("link"), Path.of("dir/sub/data.bin"));
            HighLevelTestSupport.run(List.of("kill", "-TERM", Long.toString(child.pid())));
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the server exits after SIGTERM");
            assertFalse(MountTable.isMountPoint(mnt), "and nothing stays mounted");
        } finally {
            child.destroyForcibly();
            HighLevelMounts.unmountForSure(null, mnt);
        }
        ImageFactory.requireClean(image);
        Path dump = temp.resolve("dump.bin");
        HighLevelTestSupport.run(List.of("debugfs", "-R", "dump /dir/sub/data.bin " + dump, image.toString()));
        assertArrayEquals(data, Files.readAllBytes(dump), "the data written before SIGTERM");
        assertTrue(new Debugfs(image).run("stat /link").contains("dir/sub/data.bin"));
    }

    @Test
    void killNineLeavesAReplayableJournalWithTheFsyncedData() throws Exception {
        Path image = ImageFactory.mkfs(temp.resolve("kill.img"), "64M");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process child = server(List.of(), image, mnt).start();
        byte[] durable = new byte[2 << 20];
        new Random(9).nextBytes(durable);
        try (BufferedReader out = reader(child)) {
            assertEquals("mounted", out.readLine(), () -> stderrOf(child));
            Files.createDirectories(mnt.resolve("keep/deep"));
            try (FileChannel ch = FileChannel.open(mnt.resolve("keep/deep/durable.bin"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(durable));
                ch.force(true);
            }
            for (Path dir : List.of(mnt.resolve("keep/deep"), mnt.resolve("keep"), mnt)) {
                try (FileChannel ch = FileChannel.open(dir)) {
                    ch.force(true);
                }
            }
            // Changes after the last sync, to be cut off by the kill.
            for (int i = 0; i < 50; i++) {
                Files.write(mnt.resolve("keep/late" + i), new byte[8192]);
            }
            HighLevelTestSupport.run(List.of("kill", "-KILL", Long.toString(child.pid())));
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
            // The dead mount answers ENOTCONN until it is detached.
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
        int repaired = Tools.run(List.of("e2fsck", "-fy", image.toString())).exitCode();
        assertTrue(repaired == 0 || repaired == 1, "e2fsck -fy replayed the journal: exit " + repaired);
        ImageFactory.requireClean(image);
        Path dump = temp.resolve("durable.bin");
        HighLevelTestSupport.run(List.of("debugfs", "-R", "dump /keep/deep/durable.bin " + dump, image.toString()));
        assertArrayEquals(durable, Files.readAllBytes(dump), "the fsync'd file survives kill -9");
    }

    @Test
    void nobodyMountsThroughFusermountWritesAndUnmounts() throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path image = ImageFactory.mkfs(temp.resolve("user.img"), "16M", "-E", "root_owner=" + NOBODY + ":" + NOBODY);
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        HighLevelTestSupport.run(List.of("chown", NOBODY + ":" + NOBODY, image.toString(), mnt.toString()));
        Process server = asNobody(server(List.of(), image, mnt, readableClasspath())).start();
        try (BufferedReader out = reader(server);
                Writer in = new java.io.OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8)) {
            assertEquals("mounted", out.readLine(), () -> stderrOf(server));
            String line = MountTable.line(mnt);
            assertTrue(line != null && line.contains(" fuse.ext4j ") && line.contains("user_id=" + NOBODY), "" + line);
            String shell = "seq 1 20000 > " + mnt + "/numbers && mkdir " + mnt + "/d && stat -c '%u:%g' " + mnt + "/numbers";
            assertEquals(NOBODY + ":" + NOBODY + "\n", runAsNobody(List.of("sh", "-c", shell)));
            in.close();
            runAsNobody(List.of("fusermount3", "-u", mnt.toString()));
            assertEquals("closed", out.readLine(), () -> stderrOf(server));
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, server.exitValue());
            assertFalse(MountTable.isMountPoint(mnt));
        } finally {
            server.destroyForcibly();
            HighLevelMounts.unmountForSure(null, mnt);
        }
        ImageFactory.requireClean(image);
        assertEquals(20000, new Debugfs(image).run("cat /numbers").lines().count());
    }

    private ProcessBuilder server(List<String> options, Path image, Path mnt) throws Exception {
        return server(options, image, mnt, ChildJvm.classpath());
    }

    private static ProcessBuilder server(List<String> options, Path image, Path mnt, String classpath) {
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.java(),
                "-cp", classpath, VolumeMountMain.class.getName(), image.toString(), mnt.toString()));
        cmd.addAll(options);
        return new ProcessBuilder(cmd);
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static ProcessBuilder asNobody(ProcessBuilder pb) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--"));
        cmd.addAll(pb.command());
        ProcessBuilder user = new ProcessBuilder(cmd);
        user.environment().put("HOME", "/tmp");
        return user;
    }

    private static String runAsNobody(List<String> command) throws Exception {
        return HighLevelTestSupport.run(asNobody(new ProcessBuilder(command)).command());
    }

    private static String stderrOf(Process p) {
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return "stderr: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static boolean worldReadWrite(Path device) {
        try {
            return Files.getPosixFilePermissions(device).containsAll(PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The class path copied where nobody can read it (root's ~/.m2 is private). */
    private String readableClasspath() throws Exception {
        return ChildJvm.readableClasspath(temp.resolve("cp"));
    }
}
