package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

// The POSIX behaviour suite every mounting backend runs: the same operations on an ext4j mount and on the kernel's ext4, compared result by result.
/**
 * Runs {@code posix_suite.py} on a read-write ext4j mount (through the backend's {@link Mounter})
 * and on a kernel loop mount of the same image: every result and errno must be the same, and so
 * must the final tree (modes, owners, sizes, contents, explicit nanosecond times, xattrs, ACLs,
 * lsattr flags). Then both images pass {@code e2fsck -fn}, their debugfs rdumps are equal, and the
 * ext4j image mounted again read-only lists the same tree, opens the file handles the run kept as
 * the kernel's image mounted again does, and refuses changes with EROFS.
 *
 * <p>A backend names the {@link PosixFeature} groups it supports; the others are not run, on
 * either side, and are printed as switched off so that a partial pass is visible. The kernel side
 * needs Linux and root (mount -o loop).
 */
public final class PosixSuite {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** The script prints 66 results with every group off; fewer means it stopped early. */
    private static final int MIN_RESULT_LINES = 64;

    private PosixSuite() {
    }

    /** {@link #runAgainstKernel(Mounter, Set, Path)} with every feature group on. */
    public static void runAgainstKernel(Mounter ext4j, Path workDir) throws Exception {
        runAgainstKernel(ext4j, EnumSet.allOf(PosixFeature.class), workDir);
    }

    /**
     * Runs the suite with the {@code supported} groups on ext4j and on the kernel, in fresh
     * subdirectories of {@code workDir}, and fails with a line diff on the first disagreement.
     */
    public static void runAgainstKernel(Mounter ext4j, Set<PosixFeature> supported, Path workDir) throws Exception {
        requireKernelMounts();
        Set<PosixFeature> off = EnumSet.allOf(PosixFeature.class);
        off.removeAll(supported);
        if (!off.isEmpty()) {
            System.out.println("POSIX suite: feature groups switched off, NOT tested: " + off);
        }
        Tools.require("python3");
        for (PosixFeature feature : supported) {
            for (String tool : feature.tools()) {
                Tools.require(tool);
            }
        }
        String groups = supported.stream().map(PosixFeature::scriptName).sorted().collect(Collectors.joining(","));
        Path script = suiteScript(workDir);
        Path seed = Files.createDirectory(workDir.resolve("seed"));
        Files.writeString(seed.resolve("seed.txt"), "made by mkfs -d\n");
        Path base = workDir.resolve("base.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-U", ImageFactory.UUID, "-E", "hash_seed=" + ImageFactory.HASH_SEED,
                "-d", seed.toString(), base.toString(), "64M"), TIMEOUT).requireExit(0);
        Path kernelImage = Files.copy(base, workDir.resolve("kernel.img"));
        Path ext4jImage = Files.copy(base, workDir.resolve("ext4j.img"));
        Path kernelMnt = Files.createDirectory(workDir.resolve("kernel"));
        Path ext4jMnt = Files.createDirectory(workDir.resolve("ext4j"));

        String kernelRun;
        String kernelList;
        Tools.run(List.of("mount", "-o", "loop", kernelImage.toString(), kernelMnt.toString())).requireExit(0);
        try {
            kernelRun = python(script, "run", kernelMnt, groups);
            kernelList = python(script, "list", kernelMnt, groups);
        } finally {
            Tools.run(List.of("umount", kernelMnt.toString())).requireExit(0);
        }
        // Mounted again (read-only, so that the image stays as the run left it): what survives a remount.
        String kernelReopen;
        Tools.run(List.of("mount", "-o", "loop,ro", kernelImage.toString(), kernelMnt.toString())).requireExit(0);
        try {
            kernelReopen = python(script, "reopen", kernelMnt, groups);
        } finally {
            Tools.run(List.of("umount", kernelMnt.toString())).requireExit(0);
        }

        String ext4jRun;
        String ext4jList;
        try (AutoCloseable mount = ext4j.mount(ext4jImage, ext4jMnt, Mounter.Access.READ_WRITE)) {
            ext4jRun = python(script, "run", ext4jMnt, groups);
            ext4jList = python(script, "list", ext4jMnt, groups);
        }

        assertTrue(kernelRun.lines().count() > MIN_RESULT_LINES, "the suite stopped early on the kernel:\n" + kernelRun);
        assertSameLines("results and errnos", "kernel", kernelRun, ext4jRun);
        assertSameLines("the final tree", "kernel", kernelList, ext4jList);

        // Unmounted (the server flushed and closed the image): both images are clean and hold the same tree.
        ImageFactory.requireClean(kernelImage);
        ImageFactory.requireClean(ext4jImage);
        Path kernelDump = Files.createDirectory(workDir.resolve("kernel-dump"));
        Path ext4jDump = Files.createDirectory(workDir.resolve("ext4j-dump"));
        new Debugfs(kernelImage).rdump("/", kernelDump);
        new Debugfs(ext4jImage).rdump("/", ext4jDump);
        TreeDiff.assertEqual(kernelDump, ext4jDump, new TreeDiff.Options(true, true, TreeDiff.TimePrecision.IGNORE,
                false, false, false, Set.of()).ignoring("lost+found"));

        // Persistence: mounted again, read-only, the ext4j image lists the kernel's tree and refuses changes.
        try (AutoCloseable mount = ext4j.mount(ext4jImage, ext4jMnt, Mounter.Access.READ_ONLY)) {
            assertSameLines("the tree after a read-only remount", "kernel", kernelList,
                    python(script, "list", ext4jMnt, groups));
            assertSameLines("file handles after a remount", "kernel", kernelReopen,
                    python(script, "reopen", ext4jMnt, groups));
            FileSystemException rofs = assertThrows(FileSystemException.class,
                    () -> Files.writeString(ext4jMnt.resolve("new"), "x"));
            assertTrue(rofs.getMessage().contains("Read-only file system"), rofs.getMessage());
            List<String> refused = new ArrayList<>(List.of("mkdir", "unlink", "chmod"));
            if (supported.contains(PosixFeature.XATTRS)) {
                refused.add("setxattr");
            }
            refused.add("write");
            String expected = refused.stream().map(op -> op + ": EROFS\n").collect(Collectors.joining());
            assertSameLines("changes on the read-only mount", "expected", expected,
                    python(script, "refuse", ext4jMnt, groups));
        }
        ImageFactory.requireClean(ext4jImage);
    }

    /**
     * Copies {@code source} onto a fresh ext4j mount with {@code cp -a}, requires {@code diff -r}
     * to find no difference through the mount, then, unmounted, that the image is clean and its
     * debugfs rdump equals the source (modes, owners, mtimes to the second).
     */
    public static void copyTreeDiffsEqual(Mounter ext4j, Path source, Path workDir) throws Exception {
        assertTrue(Files.isDirectory(source), source + " is not a directory");
        Path image = workDir.resolve("cp.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "64M"), TIMEOUT).requireExit(0);
        Path mnt = Files.createDirectory(workDir.resolve("mnt"));
        try (AutoCloseable mount = ext4j.mount(image, mnt, Mounter.Access.READ_WRITE)) {
            Tools.run(List.of("cp", "-a", source.toString(), mnt.resolve("src").toString()), TIMEOUT).requireExit(0);
            Tools.Result diff = Tools.run(List.of("diff", "-r", source.toString(), mnt.resolve("src").toString()), TIMEOUT);
            assertEquals(0, diff.exitCode(), diff.stdout() + diff.stderr());
        }
        ImageFactory.requireClean(image);
        Path dump = Files.createDirectory(workDir.resolve("dump"));
        new Debugfs(image).rdump("/src", dump);
        TreeDiff.assertEqual(source, dump.resolve("src"), new TreeDiff.Options(true, true, TreeDiff.TimePrecision.SECONDS,
                false, false, false, Set.of()).ignoring("."));
    }

    /** The kernel oracle is a loop mount: Linux, as root. */
    private static void requireKernelMounts() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
                "the POSIX suite compares with the Linux kernel's ext4");
        assumeTrue("root".equals(System.getProperty("user.name")), "the kernel side needs root for mount -o loop");
    }

    private static String python(Path script, String mode, Path dir, String groups) {
        Tools.Result r = Tools.run(List.of("python3", script.toString(), mode, dir.toString(), groups), TIMEOUT);
        r.requireExit(0);
        assertEquals("", r.stderr(), () -> "the suite printed errors in '" + mode + "' on " + dir);
        return r.stdout();
    }

    /** Fails with the differing lines (a longest-common-subsequence diff) rather than two whole dumps. */
    private static void assertSameLines(String what, String oracle, String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        List<String> a = expected.lines().toList();
        List<String> b = actual.lines().toList();
        int[][] common = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                common[i][j] = a.get(i).equals(b.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        StringBuilder diff = new StringBuilder();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                i++;
                j++;
            } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
                diff.append("- ").append(a.get(i++)).append('\n');
            } else {
                diff.append("+ ").append(b.get(j++)).append('\n');
            }
        }
        fail(what + " differ, " + oracle + " (-) vs ext4j (+):\n" + diff);
    }

    private static Path suiteScript(Path workDir) {
        Path script = workDir.resolve("posix_suite.py");
        try (InputStream in = PosixSuite.class.getResourceAsStream("posix_suite.py")) {
            if (in == null) {
                throw new AssertionError("posix_suite.py is missing from core's test resources");
            }
            Files.copy(in, script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }
}
