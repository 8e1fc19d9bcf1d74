package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

// How a mount served by a process of its own ends, by umount(8) from outside or by Ctrl-C on the server; the suite the platform backends' mount commands run.
/**
 * Starts a server process that mounts a fresh image and prints "mounted", writes 3 MiB and a
 * file two directories deep through the mount, then ends the mount from outside (umount(8): an
 * eject, a removed drive) or with SIGINT (Ctrl-C). Either way the server writes everything out
 * and exits, nothing stays mounted, and the image is clean with the data on it: the journal was
 * committed and checkpointed.
 */
public final class ServerEndSuite {
    private ServerEndSuite() {
    }

    /**
     * What a backend gives the suite.
     *
     * @param arguments       the server's main class and arguments for an image (the suite runs it
     *                        in a JVM of its own on this class path)
     * @param mountpoint      where the server's mount appears
     * @param checksExitCode  whether the server must exit 0 after an unmount and 130 after SIGINT
     */
    public record Server(Function<Path, List<String>> arguments, Path mountpoint, boolean checksExitCode) {
    }

    /** Runs the suite in {@code workDir}, ending the mount with SIGINT when {@code interrupt}, else with umount(8). */
    public static void run(Server backend, boolean interrupt, Path workDir) throws Exception {
        Path image = ImageFactory.mkfs(workDir.resolve("disk.img"), "64M");
        Path mnt = backend.mountpoint();
        Path errors = workDir.resolve("server.err");
        // Started as from a terminal: SIGINT at its default. A test run started in the background
        // by a shell without job control inherits SIGINT ignored, and a JVM that starts with it
        // ignored keeps ignoring it (no shutdown hook runs on Ctrl-C), as nohup'ed programs should.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", ChildJvm.java(), "-cp",
                System.getProperty("java.class.path")));
        command.addAll(backend.arguments().apply(image));
        Process server = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("mounted", out.readLine(), () -> "the server did not mount: " + read(errors));
            byte[] data = new byte[3 << 20];
            new Random(7).nextBytes(data);
            Files.write(mnt.resolve("payload.bin"), data);
            Files.createDirectories(mnt.resolve("dir/sub"));
            Files.writeString(mnt.resolve("dir/sub/note.txt"), "written just before the end\n");
            if (interrupt) {
                Tools.runOk(List.of("kill", "-INT", Long.toString(server.pid())));
            } else {
                Tools.runOk(List.of("umount", mnt.toString()));
            }
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                // Say where the server hangs.
                Tools.Result threads = Tools.run(List.of(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                        Long.toString(server.pid())));
                fail("the server did not end within 60 s; its stderr:\n" + read(errors) + "\nits threads:\n" + threads.stdout());
            }
            if (backend.checksExitCode()) {
                assertEquals(interrupt ? 130 : 0, server.exitValue(), read(errors));
            }
            assertFalse(MountTable.isMountPoint(mnt), "nothing stays mounted");
            ImageFactory.requireClean(image);
            Path dump = Files.createDirectory(workDir.resolve("dump"));
            new Debugfs(image).rdump("/", dump);
            assertTrue(Arrays.equals(data, Files.readAllBytes(dump.resolve("payload.bin"))), "payload.bin");
            assertEquals("written just before the end\n", Files.readString(dump.resolve("dir/sub/note.txt")));
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            if (MountTable.isMountPoint(mnt)) {
                Tools.run(List.of("umount", "-l", mnt.toString()));
            }
        }
    }

    private static String read(Path errors) {
        try {
            return Files.readString(errors);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
