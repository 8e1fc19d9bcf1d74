package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.host.ImageLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mount(8) through the installed mount.fuse.ext4j helper: {@code mount -t fuse.ext4j} with
 * options (silent when it works, as helpers are), {@code mount -o remount,ro} and {@code rw} of
 * the live mount, an fstab line ({@code mount -T FILE}), an unknown option refused by name, and
 * the image lock refusing a second mount and a cp into the mounted image. The helper is removed
 * afterwards.
 */
class MountHelperIT {
    @TempDir
    Path dir;

    @Test
    void mountTypeFuseExt4jAndFstabGoThroughTheHelper() throws Exception {
        Path img = dir.resolve("helper.img");
        HostSystem.run(List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"));
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path other = Files.createDirectory(dir.resolve("other"));
        Path helper = Path.of("/sbin", MountHelperCommand.NAME);
        assertFalse(Files.exists(helper), "no helper left over from elsewhere");
        assertEquals(0, run("install-mount-helper").status);
        try {
            assertTrue(Files.isExecutable(helper));
            Result mounted = exec(List.of("mount", "-t", "fuse.ext4j", img.toString(), mnt.toString(), "-o",
                    "noatime,nodiratime,commit=1"));
            assertEquals(0, mounted.status, mounted.text);
            assertEquals("", mounted.text, "a mount helper prints nothing when it worked");
            String line = mountsLine(mnt);
            assertTrue(line.startsWith(img + " " + mnt.toRealPath() + " fuse.ext4j rw,nosuid,nodev,noatime,nodiratime,"),
                    line);
            Files.writeString(mnt.resolve("via-mount8.txt"), "mounted by mount(8)\n");

            // mount(8) hands the helper remount,ro with the live mount's options, user_id= and all.
            Result ro = exec(List.of("mount", "-o", "remount,ro", mnt.toString()));
            assertEquals(0, ro.status, ro.text);
            assertEquals("", ro.text);
            assertTrue(mountsLine(mnt).contains(" fuse.ext4j ro,"), mountsLine(mnt));
            java.nio.file.FileSystemException rofs = org.junit.jupiter.api.Assertions.assertThrows(
                    java.nio.file.FileSystemException.class, () -> Files.writeString(mnt.resolve("refused"), "x"));
            assertEquals("Read-only file system", rofs.getReason());
            // Still mounted, the image is complete and needs no journal replay.
            HostSystem.run(List.of("e2fsck", "-fn", img.toString()));
            assertTrue(HostSystem.output(List.of("debugfs", "-R", "cat /via-mount8.txt", img.toString()))
                    .contains("mounted by mount(8)"));
            Result rw = exec(List.of("mount", "-o", "remount,rw", mnt.toString()));
            assertEquals(0, rw.status, rw.text);
            Files.writeString(mnt.resolve("after-remount.txt"), "written after remount,rw\n");

            Path local = Files.writeString(dir.resolve("local.txt"), "x");
            Result cp = run("cp", local.toString(), img + ":/local.txt");
            assertEquals(1, cp.status);
            assertTrue(cp.text.contains("is in use by another ext4j (pid "), cp.text);
            Result second = run("mount", "-f", img.toString(), other.toString());
            assertEquals(1, second.status);
            assertTrue(second.text.contains("is in use by another ext4j"), second.text);

            assertEquals(0, exec(List.of("umount", mnt.toString())).status);
            awaitServerExit(img);
            HostSystem.run(List.of("e2fsck", "-fn", img.toString()));
            assertEquals("mounted by mount(8)\n", HostSystem.output(List.of("debugfs", "-R", "cat /via-mount8.txt",
                    img.toString())).replaceFirst("(?s)^debugfs [^\n]*\n", ""));

            Path fstab = Files.writeString(dir.resolve("fstab"), img + " " + mnt + " fuse.ext4j rw,nofail,x-test 0 0\n");
            Result fromFstab = exec(List.of("mount", "-T", fstab.toString(), mnt.toString()));
            assertEquals(0, fromFstab.status, fromFstab.text);
            assertTrue(mountsLine(mnt).contains(" fuse.ext4j rw,"), mountsLine(mnt));
            Files.createDirectory(mnt.resolve("from-fstab"));
            assertEquals(0, run("umount", mnt.toString()).status);
            awaitServerExit(img);
            HostSystem.run(List.of("e2fsck", "-fn", img.toString()));
            assertTrue(HostSystem.output(List.of("debugfs", "-R", "ls /", img.toString())).contains("from-fstab"));

            Result bogus = exec(List.of("mount", "-t", "fuse.ext4j", img.toString(), mnt.toString(), "-o", "ro,bogus"));
            assertNotEquals(0, bogus.status);
            assertTrue(bogus.text.contains("unknown mount option 'bogus'"), bogus.text);
            assertFalse(MountCommand.isMounted(mnt.toRealPath()));
        } finally {
            for (Path p : List.of(mnt, other)) {
                if (MountCommand.isMounted(p.toRealPath())) {
                    new ProcessBuilder("umount", "-l", p.toString()).start().waitFor(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(0, run("install-mount-helper", "--uninstall").status);
        }
        assertFalse(Files.exists(helper), "uninstalled");
    }

    @Test
    void theScriptTranslatesMountArguments() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
        fakeJava.toFile().setExecutable(true);
        Path script = bin.resolve(MountHelperCommand.NAME);
        Files.writeString(script, MountHelperCommand.script(fakeJava.toString(), "/opt/it's/ext4j.jar"));
        script.toFile().setExecutable(true);
        String main = Main.class.getName();
        assertEquals("[-cp][/opt/it's/ext4j.jar][" + main + "][mount][--helper][-o][rw,noatime,ro][--][/img][/mnt dir]",
                exec(List.of(script.toString(), "/img", "/mnt dir", "-sv", "-o", "rw,noatime", "-r", "-t",
                        "fuse.ext4j")).text);
        assertEquals("[-cp][/opt/it's/ext4j.jar][" + main + "][mount][--helper][--][/img][/mnt]",
                exec(List.of(script.toString(), "/img", "/mnt", "-n")).text);
        assertEquals("", exec(List.of(script.toString(), "/img", "/mnt", "-f", "-o", "ro")).text, "-f: fake, no mount");
    }

    private static void awaitServerExit(Path img) throws Exception {
        for (int i = 0; i < 300; i++) {
            try {
                ImageLock.acquire(img).close();
                return;
            } catch (IOException stillServing) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the server did not release " + img + " within 30 s");
    }

    private static String mountsLine(Path mnt) throws IOException {
        String target = mnt.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            if (line.split(" ")[1].equals(target)) {
                return line;
            }
        }
        return "(not mounted)";
    }

    private record Result(int status, String text) {
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), text);
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.execute(args, out, err, false);
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        return new Result(rc, text);
    }
}
