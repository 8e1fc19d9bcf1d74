package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.testing.ChildJvm;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A normal user (nobody, through setpriv) mounts an image it owns through fusermount3 with
 * uid=/gid=, writes through the mount, is refused a second mount of the same image, and unmounts
 * with fusermount3 -u; the image is then checked with e2fsck and debugfs as root.
 */
class UnprivilegedMountIT {
    private static final String NOBODY = "65534";

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "fusermount3 (fuse3) is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        // fusermount3 opens /dev/fuse with the user's rights; udev makes it 0666, a container may not.
        assumeTrue(Files.isReadable(Path.of("/dev/fuse")) && worldReadWrite(Path.of("/dev/fuse")),
                "/dev/fuse is not crw-rw-rw- (scripts/test.sh sets it as udev does)");
    }

    @Test
    void nobodyMountsWritesAndUnmountsThroughFusermount() throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classpath = readableClasspath();
        Path image = temp.resolve("user.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-E", "root_owner=1234:1234", image.toString(), "16M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Path mnt2 = Files.createDirectory(temp.resolve("mnt2"));
        MountTestSupport.run(List.of("chown", NOBODY + ":" + NOBODY, image.toString(), mnt.toString(), mnt2.toString()));
        Process server = asNobody(List.of(ChildJvm.java(), MountTestSupport.transportProperty(), "-cp", classpath, UserMountMain.class.getName(),
                image.toString(), mnt.toString(), "uid=" + NOBODY + ",gid=" + NOBODY)).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
                Writer in = new java.io.OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8)) {
            assertEquals("mounted", out.readLine(), () -> "stderr: " + stderrOf(server));
            String line = mountsLine(mnt);
            assertTrue(line.contains(" fuse.ext4j ") && line.contains("user_id=" + NOBODY), line);
            assertTrue(line.startsWith(image + " "), "fsname is the image: " + line);

            String shell = "echo hello > " + mnt + "/hello.txt && mkdir " + mnt + "/d && stat -c '%u:%g' "
                    + mnt + "/hello.txt " + mnt;
            assertEquals(NOBODY + ":" + NOBODY + "\n" + NOBODY + ":" + NOBODY + "\n",
                    runAsNobody(List.of("sh", "-c", shell)), "every inode shows uid=/gid=");

            Process second = asNobody(List.of(ChildJvm.java(), MountTestSupport.transportProperty(), "-cp", classpath, UserMountMain.class.getName(),
                    image.toString(), mnt2.toString())).start();
            second.getOutputStream().close();
            String secondErr = new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            assertNotEquals(0, second.exitValue());
            assertTrue(secondErr.contains("is in use by another ext4j"), secondErr);

            // End of input: the server now waits for an unmount from outside.
            in.close();
            runAsNobody(List.of("fusermount3", "-u", mnt.toString()));
            assertEquals("closed", out.readLine());
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()));
        } finally {
            server.destroyForcibly();
            MountTestSupport.unmountForSure(null, mnt);
            MountTestSupport.unmountForSure(null, mnt2);
        }
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        Debugfs debugfs = new Debugfs(image);
        assertEquals("hello\n", debugfs.run("cat /hello.txt"));
        assertEquals(1234, debugfs.stat("/hello.txt").uid(), "on disk: the directory's owner, as OwnerOverride says");
        assertEquals(1234, debugfs.stat("/d").gid());
    }

    @Test
    void nobodyUnmountsThroughTheMountItself() throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path image = temp.resolve("self.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-E", "root_owner=" + NOBODY + ":" + NOBODY,
                image.toString(), "16M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        MountTestSupport.run(List.of("chown", NOBODY + ":" + NOBODY, image.toString(), mnt.toString()));
        Process server = asNobody(List.of(ChildJvm.java(), MountTestSupport.transportProperty(), "-cp", readableClasspath(),
                UserMountMain.class.getName(), image.toString(), mnt.toString())).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
                Writer in = new java.io.OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8)) {
            assertEquals("mounted", out.readLine(), () -> "stderr: " + stderrOf(server));
            runAsNobody(List.of("sh", "-c", "seq 1 20000 > " + mnt + "/numbers"));
            in.write("unmount\n");
            in.flush();
            assertEquals("closed", out.readLine(), () -> "stderr: " + stderrOf(server));
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
            assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()));
        } finally {
            server.destroyForcibly();
            MountTestSupport.unmountForSure(null, mnt);
        }
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        assertEquals(20000, new Debugfs(image).run("cat /numbers").lines().count());
    }

    private static boolean worldReadWrite(Path device) {
        try {
            return Files.getPosixFilePermissions(device).containsAll(PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            return false;
        }
    }

    private static ProcessBuilder asNobody(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", "/tmp");
        return pb;
    }

    private static String runAsNobody(List<String> command) throws IOException, InterruptedException {
        return MountTestSupport.run(asNobody(command).command());
    }

    /** What a server that printed nothing more wrote on stderr (it has exited or is stuck; either way, stop it). */
    private static String stderrOf(Process p) {
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String mountsLine(Path dir) throws IOException {
        String line = MountTable.line(dir);
        return line != null ? line : "(not mounted)";
    }

    /** The test class path copied where nobody can read it (root's ~/.m2 is private). */
    private String readableClasspath() throws Exception {
        return ChildJvm.readableClasspath(temp.resolve("cp"));
    }
}
