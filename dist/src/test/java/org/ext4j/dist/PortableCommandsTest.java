package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that do not mount run where the Linux backend cannot: each runs in a JVM of its
 * own, whose class loading is logged, and then in one whose class path lacks jnr-posix and
 * jnr-ffi altogether (as where their native parts do not exist). Reading an image loads nothing
 * of the Linux backend or of jnr; writing one loads at most its image-lock claim, which stays
 * out of the way when jnr is missing.
 */
@Timeout(300)
class PortableCommandsTest {
    @TempDir
    Path temp;
    Path tree;
    Path img;

    @BeforeEach
    void image() throws Exception {
        tree = temp.resolve("tree");
        DemoCommand.writeSampleTree(tree);
        img = temp.resolve("demo.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "16M"));
    }

    record Child(int status, String stdout, String stderr) {
    }

    private static Child ext4j(List<String> classPath, List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] err = new byte[0];
        byte[] out = p.getInputStream().readAllBytes();
        err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ext4j " + String.join(" ", args) + " finished");
        return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static List<String> testClassPath() {
        return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    /** The class names a -Xlog:class+load file lists. */
    private static List<String> loadedClasses(Path log) throws Exception {
        // "[0.012s][info][class,load] java.lang.Object source: shared objects file"
        return Files.readAllLines(log).stream().map(l -> l.replaceFirst("^(\\[[^]]*\\])+\\s*", ""))
                .map(l -> l.split(" ")[0]).collect(Collectors.toList());
    }

    @Test
    void readingCommandsLoadNothingOfTheLinuxBackendOrJnr() throws Exception {
        Path dest = temp.resolve("copy");
        String[][] commands = {{"info", img.toString()}, {"ls", "-l", "-R", img + ":/"},
            {"cat", img + ":/docs/notes.txt"}, {"stat", img + ":/hello.txt"}, {"cp", "-r", "-p", img + ":/docs", dest.toString()}};
        for (String[] args : commands) {
            Path log = temp.resolve("classes-" + args[0] + ".log");
            Child run = ext4j(testClassPath(), List.of("-Xlog:class+load=info:file=" + log), args);
            assertEquals(0, run.status(), String.join(" ", args) + ": " + run.stderr());
            List<String> loaded = loadedClasses(log);
            assertTrue(loaded.contains(Main.class.getName()), "the log lists the classes: " + loaded.size());
            List<String> foreign = loaded.stream().filter(c -> c.startsWith("org.ext4j.linux.") || c.startsWith("jnr.")
                    || c.startsWith("com.kenai.jffi.")).toList();
            assertEquals(List.of(), foreign, "ext4j " + String.join(" ", args) + " loaded");
        }
        assertEquals(Files.readString(tree.resolve("docs/notes.txt")), Files.readString(dest.resolve("notes.txt")));
    }

    @Test
    void everyCommandButMountRunsWithoutJnr() throws Exception {
        List<String> withoutJnr = testClassPath().stream().filter(e -> !e.contains("/com/github/jnr/")).toList();
        assertTrue(withoutJnr.size() < testClassPath().size(), "jnr is on the test class path: " + testClassPath());

        Child info = ext4j(withoutJnr, List.of(), "info", img.toString());
        assertEquals(0, info.status(), info.stderr());
        assertTrue(info.stdout().contains("Block size:"), info.stdout());
        Child ls = ext4j(withoutJnr, List.of(), "ls", img + ":/docs");
        assertEquals(0, ls.status(), ls.stderr());
        assertEquals(List.of("ascii.txt", "deep", "hello-hardlink.txt", "notes.txt"), ls.stdout().lines().sorted().toList());
        Child cat = ext4j(withoutJnr, List.of(), "cat", img + ":/data.bin");
        assertEquals(0, cat.status(), cat.stderr());
        Path out = temp.resolve("out");
        Child cpOut = ext4j(withoutJnr, List.of(), "cp", "-r", img + ":/docs", out.toString());
        assertEquals(0, cpOut.status(), cpOut.stderr());
        assertEquals(Files.readString(tree.resolve("docs/deep/nested.txt")), Files.readString(out.resolve("deep/nested.txt")));

        // Writing takes the image lock: the JDK's part, without Linux's flock.
        Path local = Files.writeString(temp.resolve("local.txt"), "copied in without jnr\n");
        Child cpIn = ext4j(withoutJnr, List.of(), "cp", local.toString(), img + ":/docs/");
        assertEquals(0, cpIn.status(), cpIn.stderr());
        Child mkdir = ext4j(withoutJnr, List.of(), "mkdir", img + ":/made");
        assertEquals(0, mkdir.status(), mkdir.stderr());
        Tools.runOk(List.of("e2fsck", "-fn", img.toString()));
        assertArrayEquals(Files.readAllBytes(local), new Debugfs(img).cat("/docs/local.txt"));

        // The Linux backend is listed, and says why it cannot mount.
        Child backends = ext4j(withoutJnr, List.of(), "backends");
        assertEquals(0, backends.status(), backends.stderr());
        String linux = backends.stdout().lines().filter(l -> l.startsWith("linux ")).findFirst().orElseThrow();
        assertTrue(linux.matches("linux +no .*jnr-posix cannot call libc here: .*"), linux);
        Child mount = ext4j(withoutJnr, List.of(), "mount", "-f", "-r", img.toString(), temp.toString());
        assertEquals(1, mount.status());
        assertTrue(mount.stderr().startsWith("ext4j: mount: linux: unavailable: jnr-posix cannot call libc here: "),
                mount.stderr());
        assertEquals(1, mount.stderr().lines().count(), mount.stderr());
    }
}
