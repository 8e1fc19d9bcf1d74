package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.testing.TreeDiff;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory trees 2 000 levels deep are valid ext4 (and host) trees: ls -R, cp -r both ways and
 * rm -r must walk them in the test JVM's default thread stack. The image side is made and read
 * back by the kernel's ext4 (a loop mount, so root), compared with GNU ls and the source tree,
 * and checked with e2fsck.
 */
class DeepTreeTest {
    /**
     * Levels of the host tree: with one-letter names a path of 2 000 levels is 4 000 bytes, which
     * still fits PATH_MAX (4 096) below a short temporary directory, as the JDK needs.
     */
    static final int DEPTH = 2000;

    @TempDir
    static Path tmp;
    static Path tree;
    static Path image;

    @BeforeAll
    static void build() throws Exception {
        assertTrue(HostSystem.isRoot(), "DeepTreeTest must run as root: the kernel's ext4 (a loop mount) makes and checks its images");
        tree = tmp.resolve("t");
        Path bottom = tree.resolve(chain(DEPTH));
        assertTrue(bottom.toString().length() + 20 < 4096, "the temporary directory's path is too long for this test: " + tmp);
        Files.createDirectories(bottom);
        Files.writeString(tree.resolve("top.txt"), "top\n");
        Files.writeString(tree.resolve(chain(1000)).resolve("mid.txt"), "middle\n");
        Files.writeString(bottom.resolve("f"), "bottom\n");
        // A hard link from the bottom to the middle: kept across 1 000 levels of walking.
        Files.createLink(bottom.resolve("link"), tree.resolve(chain(1000)).resolve("mid.txt"));
        Files.createSymbolicLink(bottom.resolve("up"), Path.of("../../top.txt"));
        // A read-only directory halfway: its copy can only take its children if its mode comes after them.
        Path readOnly = tree.resolve(chain(500));
        // Distinct times, deepest first, so that making entries does not move the times set.
        long t = 1_600_000_000L;
        List<Path> dirs = new ArrayList<>();
        for (int level = DEPTH; level >= 0; level--) {
            dirs.add(level == 0 ? tree : tree.resolve(chain(level)));
        }
        for (Path dir : dirs) {
            Files.setLastModifiedTime(dir, FileTime.from(Instant.ofEpochSecond(t += 61, 987_654_321)));
        }
        Files.setAttribute(readOnly, "unix:mode", 0555);
        image = tmp.resolve("deep.img");
        ImageFactory.mkfs(image, "64M", "-b", "4096");
        // The kernel makes the image's tree (mkfs.ext4 -d 1.47.0 aborts on this depth).
        Tools.run(List.of("mount", "-o", "loop", image.toString(), mount().toString()), Duration.ofSeconds(30)).requireExit(0);
        try {
            Tools.run(List.of("cp", "-a", tree + "/.", mount().toString()), Duration.ofSeconds(120)).requireExit(0);
        } finally {
            Tools.run(List.of("umount", mount().toString()), Duration.ofSeconds(30)).requireExit(0);
        }
        ImageFactory.requireClean(image);
    }

    /**
     * Removes the deep trees with rm -rf (which walks them with openat) before JUnit's cleanup of
     * the temporary directory, which resolves every directory with realpath: cubic in the depth,
     * ten minutes for these trees.
     */
    @AfterAll
    static void removeDeepTrees() {
        Tools.run(List.of("rm", "-rf", tree.toString(), tmp.resolve("o").toString()), Duration.ofSeconds(120)).requireExit(0);
    }

    private static Path mount() throws Exception {
        return Files.createDirectories(tmp.resolve("m"));
    }

    /** "d/d/.../d", {@code levels} names. */
    static String chain(int levels) {
        return "d/".repeat(levels - 1) + "d";
    }

    @Test
    void lsRecursiveMatchesGnuLsOnTheKernelMount() throws Exception {
        CliRun ours = CliRun.ext4j("ls", "-R", image + ":/");
        assertEquals(0, ours.status(), ours.stderr());
        String gnu = Tools.onKernelMount(image, mount(), ",ro", "LC_ALL=C ls -R .");
        // GNU ls names the directories it lists from ".", ours from IMAGE:/.
        String translated = ours.stdout().replace(image + ":/:\n", ".:\n").replace("\n" + image + ":/", "\n./");
        assertEquals(gnu, translated);
        assertTrue(gnu.contains("./" + chain(DEPTH) + ":\nf\nlink\nup\n"), "the listing reaches the bottom");
    }

    @Test
    void cpOutKeepsTheWholeTree() throws Exception {
        Path out = tmp.resolve("o");
        CliRun r = CliRun.ext4j("cp", "-r", "-p", image + ":/", out.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
        TreeDiff.assertEqual(tree, out, TreeDiff.Options.strict().ignoring(".", "lost+found"));
    }

    @Test
    void cpInThenRmLeaveACleanImage() throws Exception {
        Path fresh = ImageFactory.mkfs(tmp.resolve("in.img"), "64M", "-b", "4096");
        String freeInodes = Tools.dumpe2fsField(fresh, "Free inodes");
        String freeBlocks = Tools.dumpe2fsField(fresh, "Free blocks");
        CliRun r = CliRun.ext4j("cp", "-r", "-p", tree.toString(), fresh + ":/");
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
        ImageFactory.requireClean(fresh);
        Path mnt = mount();
        Tools.run(List.of("mount", "-o", "loop,ro", fresh.toString(), mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        try {
            TreeDiff.assertEqual(tree, mnt.resolve("t"), TreeDiff.Options.strict());
        } finally {
            Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        }

        CliRun rm = CliRun.ext4j("rm", "-r", fresh + ":/t");
        assertEquals(0, rm.status(), rm.stderr());
        ImageFactory.requireClean(fresh);
        assertTrue(new Debugfs(fresh).ls("/").stream().noneMatch(e -> e.name().equals("t")));
        assertEquals(freeInodes, Tools.dumpe2fsField(fresh, "Free inodes"));
        assertEquals(freeBlocks, Tools.dumpe2fsField(fresh, "Free blocks"));
    }

    @Test
    void rmRemovesATreeDeeperThanAnyHostPath() throws Exception {
        // 5 000 levels exist only inside the image (no host path that long), made by debugfs.
        Path deeper = ImageFactory.mkfs(tmp.resolve("deeper.img"), "64M", "-b", "4096");
        String freeInodes = Tools.dumpe2fsField(deeper, "Free inodes");
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            requests.add("mkdir d");
            requests.add("cd d");
        }
        requests.add("write /etc/hostname f");
        new Debugfs(deeper).write(requests);
        ImageFactory.requireClean(deeper);
        CliRun rm = CliRun.ext4j("rm", "-r", deeper + ":/d");
        assertEquals(0, rm.status(), rm.stderr());
        ImageFactory.requireClean(deeper);
        assertEquals(freeInodes, Tools.dumpe2fsField(deeper, "Free inodes"));
    }
}
