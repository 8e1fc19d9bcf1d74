package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cp into an image from host trees that Java cannot copy faithfully: a file name that is not
 * UTF-8 (Java would read it as other text and create another name) and a directory that contains
 * itself through a bind mount. Each is reported in one line, the rest is copied, and the image
 * stays clean for e2fsck.
 */
class CopyInHostTreeTest {
    @TempDir
    Path tmp;

    @Test
    void aHostNameThatIsNotUtf8IsReportedNotRenamed() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("good"), "good\n");
        // Java cannot make this name itself; the shell writes its bytes.
        Tools.runOk(List.of("sh", "-c", "printf bad > \"$1/$(printf 'bad\\377name')\"", "sh", src.toString()));
        Path img = ImageFactory.mkfs(tmp.resolve("in.img"), "16M");
        CliRun r = CliRun.ext4j("cp", "-r", src.toString(), img + ":/");
        assertEquals(1, r.status(), r.stderr());
        assertEquals(1, r.stderr().strip().split("\n").length, r.stderr());
        assertTrue(r.stderr().startsWith("ext4j: cp: " + img + ":/src/bad") && r.stderr().contains(" is not UTF-8"), r.stderr());
        ImageFactory.requireClean(img);
        assertEquals("good", new Debugfs(img).ls("/src").stream().map(Debugfs.DirEntry::name)
                .filter(n -> !n.equals(".") && !n.equals("..")).collect(Collectors.joining(",")));
    }

    @Test
    void aDirectoryInsideItselfIsCopiedOnce() throws Exception {
        assertTrue(HostSystem.isRoot(), "this test must run as root: it makes a bind mount");
        Path src = Files.createDirectories(tmp.resolve("src/sub/loop"));
        src = src.getParent().getParent();
        Files.writeString(src.resolve("sub/file"), "file\n");
        Path loop = src.resolve("sub/loop");
        Tools.run(List.of("mount", "--bind", src.toString(), loop.toString()), Duration.ofSeconds(30)).requireExit(0);
        Path img = ImageFactory.mkfs(tmp.resolve("in.img"), "16M");
        CliRun r;
        try {
            r = CliRun.ext4j("cp", "-r", src.toString(), img + ":/");
        } finally {
            Tools.run(List.of("umount", loop.toString()), Duration.ofSeconds(30)).requireExit(0);
        }
        assertEquals(1, r.status(), r.stderr());
        assertEquals("ext4j: cp: " + loop + ": the directory is inside itself (a bind mount of an ancestor?); not copied again\n",
                r.stderr());
        ImageFactory.requireClean(img);
        Debugfs debugfs = new Debugfs(img);
        assertEquals("file\n", new String(debugfs.cat("/src/sub/file")));
        assertEquals("file", debugfs.ls("/src/sub").stream().map(Debugfs.DirEntry::name)
                .filter(n -> !n.equals(".") && !n.equals("..")).collect(Collectors.joining(",")));
    }
}
