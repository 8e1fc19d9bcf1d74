package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Path resolution inside an image compared with the host kernel resolving the same relative
 * paths in the source tree, and with debugfs for absolute links (which on the host would leave
 * the tree).
 */
class PathWalkerTest {
    @TempDir
    static Path tmp;
    static Path tree;
    static Path img;
    static PosixFileSystem volume;
    static PathWalker walker;

    @BeforeAll
    static void buildImage() throws Exception {
        tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/file"), "deep\n");
        Files.writeString(tree.resolve("top"), "top\n");
        Files.createSymbolicLink(tree.resolve("up"), Path.of("a/b/c/../.."));
        Files.createSymbolicLink(tree.resolve("a/b/toC"), Path.of("c"));
        Files.createSymbolicLink(tree.resolve("a/abs"), Path.of("/a/b/c"));
        Files.createSymbolicLink(tree.resolve("a/absfile"), Path.of("/top"));
        // A chain of 40 links resolves, 41 is one too many (MAXSYMLINKS).
        for (int i = 0; i < 41; i++) {
            Files.createSymbolicLink(tree.resolve("chain" + i), Path.of(i == 40 ? "top" : "chain" + (i + 1)));
        }
        img = tmp.resolve("walk.img");
        ImageFactory.mkfs(img, "8M", "-t", "ext4", "-d", tree.toString());
        volume = PosixFileSystem.open(img, OpenOptions.READ_ONLY);
        walker = new PathWalker(volume, Caller.ROOT);
    }

    @AfterAll
    static void close() throws IOException {
        volume.close();
    }

    @Test
    void relativePathsResolveAsTheHostKernelDoes() throws Exception {
        List<String> paths = List.of("top", "a/b/c/file", "a/b/toC/file", "up/b/c/file", "up/top", "a/b/toC/../c/file",
                "a/b/toC/../../b/c/file", "a/./b//c/file", "chain1", "chain0", "top/x", "a/nope", "up/../top");
        for (String p : paths) {
            Object expected;
            try {
                expected = Files.readString(tree.resolve(p));
            } catch (NoSuchFileException e) {
                expected = Errno.ENOENT;
            } catch (FileSystemException e) {
                expected = e.getMessage().contains("Not a directory") ? Errno.ENOTDIR
                        : e.getMessage().contains("Too many levels") ? Errno.ELOOP : e.getMessage();
            }
            Object actual;
            try {
                Attributes a = walker.resolve("/" + p, true);
                actual = new String(readAll(a), java.nio.charset.StandardCharsets.UTF_8);
            } catch (Ext4Exception e) {
                actual = e.errno();
            }
            assertEquals(expected, actual, p);
        }
    }

    @Test
    void dotDotNeverLeavesTheRoot() {
        assertEquals(walker.resolve("/top", false).ino(), walker.resolve("/../../a/../top", false).ino());
    }

    @Test
    void absoluteLinksStartAtTheImageRoot() throws Exception {
        assertEquals(debugfsIno("/a/b/c/file"), walker.resolve("/a/abs/file", false).ino());
        assertEquals(debugfsIno("/top"), walker.resolve("/a/absfile", true).ino());
        assertEquals(debugfsIno("/a/absfile"), walker.resolve("/a/absfile", false).ino());
        assertEquals(debugfsIno("/a/b"), walker.resolve("/a/abs/..", false).ino());
    }

    @Test
    void trailingSlashNeedsADirectory() {
        assertEquals(Errno.ENOTDIR, assertThrows(Ext4Exception.class, () -> walker.resolve("/top/", false)).errno());
        assertEquals(walker.resolve("/a/b/c", false).ino(), walker.resolve("/a/b/toC/", false).ino());
    }

    @Test
    void theFortyFirstLinkIsELOOP() {
        assertEquals(Errno.ELOOP, assertThrows(Ext4Exception.class, () -> walker.resolve("/chain0", true)).errno());
        assertEquals(walker.resolve("/top", true).ino(), walker.resolve("/chain1", true).ino());
    }

    private static byte[] readAll(Attributes a) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageFileReader.copy(volume, a, out, null);
        return out.toByteArray();
    }

    private static long debugfsIno(String path) throws Exception {
        return new Debugfs(img).stat(path).ino();
    }
}
