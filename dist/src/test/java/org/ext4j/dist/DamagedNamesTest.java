package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names and link targets no host path can hold, made by patching single bytes of an image with
 * debugfs zap_block: a NUL inside a slow symlink's target, a name that is not UTF-8, and a '/'
 * and a NUL inside names (the core refuses the directory blocks that hold those, as the
 * kernel's getdents does). cp reports each with one line naming the image path and copies the
 * rest (exit 1, as GNU cp); ls -l and stat show odd bytes escaped. None of them writes to the image.
 */
class DamagedNamesTest {
    /** A target of 70 bytes: too long for i_block, so it lives in a data block (a slow symlink). */
    static final String TARGET = "target-".repeat(10);

    @TempDir
    static Path tmp;
    static Path img;
    static String image;

    /** What the core says of the damaged entries of /slash and /nul (whole directory blocks are refused). */
    static String slashDamage;
    static String nulDamage;

    @BeforeAll
    static void build() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("dir"));
        Files.writeString(src.resolve("dir/ok2"), "ok2\n");
        Files.writeString(src.resolve("ok1"), "ok1\n");
        Files.writeString(src.resolve("bad_utf"), "bad\n");
        Files.createDirectories(src.resolve("slash"));
        Files.writeString(src.resolve("slash/a_b"), "slash\n");
        Files.createDirectories(src.resolve("nul"));
        Files.writeString(src.resolve("nul/nul_name"), "nul\n");
        Files.createSymbolicLink(src.resolve("slow"), Path.of(TARGET));
        Files.createSymbolicLink(src.resolve("fast"), Path.of("ok1"));
        // Without metadata_csum, so that a patched directory block is read rather than refused.
        img = ImageFactory.mkfs(tmp.resolve("names.img"), "16M", "-b", "4096", "-O", "^metadata_csum", "-d", src.toString());
        image = img.toString();
        Debugfs debugfs = new Debugfs(img);
        long rootBlock = debugfs.blocks("/").get(0);
        long slashBlock = debugfs.blocks("/slash").get(0);
        long nulBlock = debugfs.blocks("/nul").get(0);
        long linkBlock = debugfs.blocks("/slow").get(0);
        // A dirent's name starts 8 bytes into it.
        int slashAt = offsetOf(block(slashBlock), "a_b");
        int nulAt = offsetOf(block(nulBlock), "nul_name");
        slashDamage = "directory inode " + debugfs.stat("/slash").ino() + " logical block 0: dirent at offset " + (slashAt - 8)
                + ": name contains '/'";
        nulDamage = "directory inode " + debugfs.stat("/nul").ino() + " logical block 0: dirent at offset " + (nulAt - 8)
                + ": name contains NUL";
        debugfs.write(List.of(
                zap(slashBlock, slashAt + 1, '/'),
                zap(nulBlock, nulAt + 3, 0),
                zap(rootBlock, offsetOf(block(rootBlock), "bad_utf") + 3, 0xff),
                zap(linkBlock, 10, 0)));
    }

    private static byte[] block(long number) throws Exception {
        byte[] b = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(number * 4096);
            f.readFully(b);
        }
        return b;
    }

    private static String zap(long block, int offset, int value) {
        return "zap_block -o " + offset + " -l 1 -p " + value + " " + block;
    }

    private static int offsetOf(byte[] block, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= block.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (block[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(name + " not in the root directory block");
    }

    @Test
    void e2fsckSeesTheDamage() {
        // The oracle agrees these are damaged, which is what the messages say.
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", image));
        assertNotEquals(0, fsck.exitCode(), fsck.stdout());
        assertTrue(fsck.stdout().contains("Symlink /slow") && fsck.stdout().contains("illegal characters"), fsck.stdout());
    }

    @Test
    void cpReportsEachBadNameAndCopiesTheRest() throws Exception {
        byte[] before = sha(img);
        Path out = tmp.resolve("out");
        CliRun r = CliRun.ext4j("cp", "-r", "-p", image + ":", out.toString());
        assertEquals(1, r.status());
        String fsck = " (run e2fsck -f " + image + ")";
        assertEquals("ext4j: cp: " + image + ":/bad\\377utf: the name is not UTF-8, and Java can create host names only from "
                + "text (its bytes: 'bad\\377utf')\n"
                + "ext4j: cp: " + image + ":/nul: the image is corrupted: " + nulDamage + fsck + "\n"
                + "ext4j: cp: " + image + ":/slash: the image is corrupted: " + slashDamage + fsck + "\n"
                + "ext4j: cp: " + image + ":/slow: the image is corrupted: the symbolic link target 'target-tar\\000et-"
                + "target-".repeat(8) + "' holds a NUL byte at offset 10" + fsck + "\n", r.stderr());
        TreeSet<String> copied = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(out)) {
            walk.forEach(p -> copied.add(out.relativize(p).toString()));
        }
        // The directories whose blocks the core refused are made, and stay empty.
        assertEquals(new TreeSet<>(List.of("", "dir", "dir/ok2", "fast", "lost+found", "nul", "ok1", "slash")), copied);
        assertEquals("ok2\n", Files.readString(out.resolve("dir/ok2")));
        assertEquals(Path.of("ok1"), Files.readSymbolicLink(out.resolve("fast")));
        assertArrayEquals(before, sha(img), "a read-only command changed the image");
    }

    @Test
    void lsAndStatShowOddBytesEscaped() throws Exception {
        CliRun ls = CliRun.ext4j("ls", "-l", image + ":/");
        assertEquals(0, ls.status(), ls.stderr());
        String listing = ls.stdout();
        for (String shown : List.of(" bad\\377utf\n",
                " slow -> target-tar\\000et-" + "target-".repeat(8) + "\n", " fast -> ok1\n")) {
            assertTrue(listing.contains(shown), shown + " in\n" + listing);
        }
        assertTrue(listing.chars().noneMatch(c -> c < ' ' && c != '\n'), "no raw control bytes:\n" + listing);

        CliRun stat = CliRun.ext4j("stat", image + ":/slow");
        assertEquals(0, stat.status(), stat.stderr());
        assertTrue(stat.stdout().startsWith("  File: /slow -> target-tar\\000et-" + "target-".repeat(8) + "\n"), stat.stdout());

        // -R reports each refused directory in one line and lists the rest.
        CliRun recursive = CliRun.ext4j("ls", "-R", image + ":/");
        assertEquals(1, recursive.status(), recursive.stderr());
        String fsck = " (run e2fsck -f " + image + ")";
        assertEquals("ext4j: ls: " + image + ":/nul: the image is corrupted: " + nulDamage + fsck + "\n"
                + "ext4j: ls: " + image + ":/slash: the image is corrupted: " + slashDamage + fsck + "\n", recursive.stderr());
        assertTrue(recursive.stdout().contains(image + ":/dir:\nok2\n"), recursive.stdout());
    }

    private static byte[] sha(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
