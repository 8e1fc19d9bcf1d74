package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.testing.TreeDiff;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The POSIX behaviour suite ({@code posix_suite.py}) run on a read-write ext4j mount and on the
 * kernel's ext4 (a loop mount) of the same image: every result and errno must be the same, and so
 * must the final tree (modes, owners, sizes, contents, explicit nanosecond times, xattrs, ACLs,
 * lsattr flags). Then both images pass {@code e2fsck -fn}, their debugfs rdumps are equal, and
 * the ext4j image mounted again (read-only) lists the same tree and refuses changes with EROFS.
 */
class PosixBehaviourIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
        for (String tool : List.of("python3", "setfacl", "getfacl", "chattr", "lsattr", "fallocate", "setfattr")) {
            Tools.require(tool);
        }
    }

    @Test
    void ext4jAnswersAsTheKernelDoes() throws Exception {
        Path script = suiteScript();
        Path seed = Files.createDirectory(temp.resolve("seed"));
        Files.writeString(seed.resolve("seed.txt"), "made by mkfs -d\n");
        Path base = temp.resolve("base.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", "-U", ImageFactory.UUID, "-E", "hash_seed=" + ImageFactory.HASH_SEED,
                "-d", seed.toString(), base.toString(), "64M"), TIMEOUT).requireExit(0);
        Path kernelImage = Files.copy(base, temp.resolve("kernel.img"));
        Path ext4jImage = Files.copy(base, temp.resolve("ext4j.img"));
        Path kernelMnt = Files.createDirectory(temp.resolve("kernel"));
        Path ext4jMnt = Files.createDirectory(temp.resolve("ext4j"));

        String kernelRun;
        String kernelList;
        Tools.run(List.of("mount", "-o", "loop", kernelImage.toString(), kernelMnt.toString())).requireExit(0);
        try {
            kernelRun = python(script, "run", kernelMnt);
            kernelList = python(script, "list", kernelMnt);
        } finally {
            Tools.run(List.of("umount", kernelMnt.toString())).requireExit(0);
        }

        String ext4jRun;
        String ext4jList;
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(ext4jImage, ext4jMnt,
                    MountOptions.readWrite(ext4jImage.toString()).withAllowOther(true));
            ext4jRun = python(script, "run", ext4jMnt);
            ext4jList = python(script, "list", ext4jMnt);
        } finally {
            MountTestSupport.unmountForSure(mount, ext4jMnt);
        }

        assertTrue(kernelRun.lines().count() > 150, kernelRun);
        assertEquals(kernelRun, ext4jRun, "results and errnos, kernel vs ext4j");
        assertEquals(kernelList, ext4jList, "the final tree, kernel vs ext4j");

        // Unmounted (the server flushed and closed the image): both images are clean and hold the same tree.
        ImageFactory.requireClean(kernelImage);
        ImageFactory.requireClean(ext4jImage);
        Path kernelDump = Files.createDirectory(temp.resolve("kernel-dump"));
        Path ext4jDump = Files.createDirectory(temp.resolve("ext4j-dump"));
        new Debugfs(kernelImage).rdump("/", kernelDump);
        new Debugfs(ext4jImage).rdump("/", ext4jDump);
        TreeDiff.assertEqual(kernelDump, ext4jDump, new TreeDiff.Options(true, true, TreeDiff.TimePrecision.IGNORE,
                false, false, false, Set.of()).ignoring("lost+found"));

        // Persistence: mounted again, read-only, the ext4j image lists the kernel's tree and refuses changes.
        try {
            mount = LinuxBackend.mount(ext4jImage, ext4jMnt,
                    MountOptions.readOnly(ext4jImage.toString()).withAllowOther(true));
            assertEquals(kernelList, python(script, "list", ext4jMnt), "the tree after a remount");
            FileSystemException rofs = assertThrows(FileSystemException.class,
                    () -> Files.writeString(ext4jMnt.resolve("new"), "x"));
            assertTrue(rofs.getMessage().contains("Read-only file system"), rofs.getMessage());
            String errnos = Tools.run(List.of("python3", "-c", String.join("\n",
                    "import errno, os, sys",
                    "d = sys.argv[1]",
                    "for name, op in [('mkdir', lambda: os.mkdir(d + '/x')), ('unlink', lambda: os.unlink(d + '/big')),",
                    "                 ('chmod', lambda: os.chmod(d + '/big', 0o600)),",
                    "                 ('setxattr', lambda: os.setxattr(d + '/big', 'user.x', b'1')),",
                    "                 ('write', lambda: os.open(d + '/big', os.O_WRONLY))]:",
                    "    try:",
                    "        op(); print(name, 'ok')",
                    "    except OSError as e:",
                    "        print(name, errno.errorcode[e.errno])"), ext4jMnt.toString()), TIMEOUT).requireExit(0).stdout();
            assertEquals("mkdir EROFS\nunlink EROFS\nchmod EROFS\nsetxattr EROFS\nwrite EROFS\n", errnos);
        } finally {
            MountTestSupport.unmountForSure(mount, ext4jMnt);
        }
        ImageFactory.requireClean(ext4jImage);
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        Path source = Path.of("..", "core", "src").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(source), source + " (the repository's core sources)");
        Path image = temp.resolve("cp.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "64M"), TIMEOUT).requireExit(0);
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(image, mnt, MountOptions.readWrite(image.toString()));
            Tools.run(List.of("cp", "-a", source.toString(), mnt.resolve("src").toString()), TIMEOUT).requireExit(0);
            Tools.Result diff = Tools.run(List.of("diff", "-r", source.toString(), mnt.resolve("src").toString()), TIMEOUT);
            assertEquals(0, diff.exitCode(), diff.stdout() + diff.stderr());
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        ImageFactory.requireClean(image);
        Path dump = Files.createDirectory(temp.resolve("dump"));
        new Debugfs(image).rdump("/src", dump);
        TreeDiff.assertEqual(source, dump.resolve("src"), new TreeDiff.Options(true, true, TreeDiff.TimePrecision.SECONDS,
                false, false, false, Set.of()).ignoring("."));
    }

    private static String python(Path script, String mode, Path dir) {
        Tools.Result r = Tools.run(List.of("python3", script.toString(), mode, dir.toString()), TIMEOUT);
        r.requireExit(0);
        assertEquals("", r.stderr(), "the suite printed errors");
        return r.stdout();
    }

    private Path suiteScript() throws IOException {
        Path script = temp.resolve("posix_suite.py");
        try (InputStream in = PosixBehaviourIT.class.getResourceAsStream("posix_suite.py")) {
            Files.copy(in, script);
        }
        return script;
    }
}
