package org.ext4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ManualClock;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every namespace operation inside an immutable ({@code chattr +i}) and an append-only
 * ({@code chattr +a}) directory, by root, by the directory's owner and by a stranger without
 * write permission, on the kernel's ext4 (a loop mount, system calls through setpriv'd python3)
 * and on ext4j: the same errno for each, and both agree with the model. The stranger shows the
 * order of the checks: an immutable directory refuses with EPERM before its mode is looked at
 * (inode_permission), an append-only one refuses removals only after write permission
 * (may_delete), and EEXIST/ENOENT from the lookup come before either.
 */
class DirectoryFlagsParityTest {
    private static final int IMMUTABLE = ModelFileSystem.FL_IMMUTABLE;
    private static final int APPEND = ModelFileSystem.FL_APPEND;
    private static final Caller OWNER = OpGenerator.USER;
    private static final Caller STRANGER = OpGenerator.STRANGER;

    @TempDir
    Path dir;

    @Test
    void immutableAndAppendOnlyDirectoriesMatchTheKernel() throws Exception {
        List<Function<ModelFileSystem, Op>> script = new ArrayList<>();
        for (Caller caller : List.of(Caller.ROOT, OWNER, STRANGER)) {
            String suffix = "-" + caller.uid();
            setUp(script, "imm" + suffix, "out" + suffix + "i", IMMUTABLE);
            setUp(script, "app" + suffix, "out" + suffix + "a", APPEND);
            inside(script, caller, "imm" + suffix, "out" + suffix + "i");
            inside(script, caller, "app" + suffix, "out" + suffix + "a");
        }

        Path base = ImageFactory.mkfs(dir.resolve("base.img"), "32M", "-U", ImageFactory.UUID);
        Path kernelImage = Files.copy(base, dir.resolve("kernel.img"));
        Path ext4jImage = Files.copy(base, dir.resolve("ext4j.img"));
        // Unprivileged callers must be able to walk to the mount point (JUnit makes its directory 0700).
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        MountedOps.Result kernel = MountedOps.run(kernelImage, dir.resolve("mnt"),
                (img, mnt) -> Tools.run(List.of("mount", "-t", "ext4", "-o", "loop", img.toString(), mnt.toString()),
                        Duration.ofSeconds(30)).requireExit(0),
                (img, mnt) -> Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0),
                script);
        assertTrue(kernel.skipped().isEmpty(), "the kernel side could not run operations " + kernel.skipped());

        ModelFileSystem.Limits limits;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4jImage, true), OpenOptions.READ_ONLY)) {
            limits = RandomOperationsTest.limits(fs, ImageFactory.Variant.EXT4);
        }
        ManualClock clock = new ManualClock(Instant.parse("2024-03-01T12:00:00Z"));
        ModelFileSystem model = ImageModel.load(ext4jImage, limits, clock);
        OpRunner ext4j;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4jImage, false), OpenOptions.READ_WRITE)) {
            ext4j = new OpRunner(0, model, PosixFileSystem.of(fs, clock), clock, false);
            ext4j.run(script);
        }
        ext4j.summary();
        ImageFactory.requireClean(ext4jImage);
        List<String> diff = ImageModel.diff(model, ImageModel.load(ext4jImage, limits, clock), false);
        assertTrue(diff.isEmpty(), "ext4j's image differs from the model:\n  " + String.join("\n  ", diff));
        assertEquals(kernel.outcomes(), ext4j.outcomes(), "ext4j and the kernel answered differently");
    }

    /**
     * As root: directory {@code d} (0755) with files f, g, an empty directory sub and a non-empty
     * one ne, all owned by the unprivileged owner; beside it a world-writable {@code out} with
     * files o and p of the owner's; then {@code flag} goes on {@code d}.
     */
    private static void setUp(List<Function<ModelFileSystem, Op>> script, String d, String out, int flag) {
        Caller root = Caller.ROOT;
        script.add(m -> new Op.Mkdir(root, m.inoOf(""), name(d), 0755));
        script.add(m -> new Op.Mkdir(root, m.inoOf(""), name(out), 0777));
        for (String file : List.of(d + "/f", d + "/g", out + "/o", out + "/p")) {
            script.add(m -> new Op.Create(root, parent(m, file), name(base(file)), 0644));
        }
        script.add(m -> new Op.Mkdir(root, m.inoOf(d), name("sub"), 0755));
        script.add(m -> new Op.Mkdir(root, m.inoOf(d), name("ne"), 0755));
        script.add(m -> new Op.Create(root, m.inoOf(d + "/ne"), name("x"), 0644));
        for (String path : List.of(d, d + "/f", d + "/g", d + "/sub", d + "/ne", out + "/o", out + "/p")) {
            script.add(m -> new Op.Chown(root, m.inoOf(path), OWNER.uid(), OWNER.gid()));
        }
        script.add(m -> new Op.SetFlags(root, m.inoOf(d), m.getflags(m.inoOf(d)) | flag));
    }

    /** Each namespace operation on {@code d} by {@code caller}, plus attribute changes of {@code d} itself. */
    private static void inside(List<Function<ModelFileSystem, Op>> script, Caller c, String d, String out) {
        script.add(m -> new Op.Create(c, m.inoOf(d), name("new"), 0644));
        script.add(m -> new Op.Create(c, m.inoOf(d), name("f"), 0644));
        script.add(m -> new Op.Mkdir(c, m.inoOf(d), name("nd"), 0755));
        script.add(m -> new Op.Mkdir(c, m.inoOf(d), name("sub"), 0755));
        script.add(m -> new Op.Mknod(c, m.inoOf(d), name("fifo"), ModelFileSystem.S_IFIFO | 0644, 0, 0));
        script.add(m -> new Op.Symlink(c, m.inoOf(d), name("sl"), name("target")));
        script.add(m -> new Op.Link(c, m.inoOf(out + "/o"), m.inoOf(d), name("lnk")));
        script.add(m -> new Op.Link(c, m.inoOf(out + "/o"), m.inoOf(d), name("f")));
        script.add(m -> new Op.Tmpfile(c, m.inoOf(d), 0600));
        script.add(m -> new Op.Unlink(c, m.inoOf(d), name("g")));
        script.add(m -> new Op.Unlink(c, m.inoOf(d), name("missing")));
        script.add(m -> new Op.Rmdir(c, m.inoOf(d), name("sub")));
        script.add(m -> new Op.Rmdir(c, m.inoOf(d), name("ne")));
        script.add(m -> new Op.Rename(c, m.inoOf(d), name("f"), m.inoOf(d), name("f2"), 0));
        script.add(m -> new Op.Rename(c, m.inoOf(d), name("f"), m.inoOf(out), name("f"), 0));
        script.add(m -> new Op.Rename(c, m.inoOf(out), name("o"), m.inoOf(d), name("o"), 0));
        script.add(m -> new Op.Rename(c, m.inoOf(out), name("p"), m.inoOf(d), name("f"), 0));
        script.add(m -> new Op.Rename(c, m.inoOf(out), name("p"), m.inoOf(d), name("g"),
                WritableFileSystem.RENAME_NOREPLACE));
        script.add(m -> new Op.Rename(c, m.inoOf(d), name("f"), m.inoOf(d), name("g"), WritableFileSystem.RENAME_EXCHANGE));
        script.add(m -> new Op.Rename(c, m.inoOf(d), name("f"), m.inoOf(d), name("w"), WritableFileSystem.RENAME_WHITEOUT));
        script.add(m -> new Op.Write(c, m.inoOf(d + "/g"), 0, 3, 1));
        script.add(m -> new Op.Chmod(c, m.inoOf(d), 0750));
        script.add(m -> new Op.Utimens(c, m.inoOf(d), TimeChange.NOW, TimeChange.NOW));
        script.add(m -> new Op.SetXattr(c, m.inoOf(d), "user.flag", name("1"), 0));
    }

    private static long parent(ModelFileSystem m, String path) {
        return m.inoOf(path.substring(0, path.lastIndexOf('/')));
    }

    private static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
