package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mode strings compared with what GNU find's %M (the ls -l column) prints for real files. */
class ModeStringTest {
    @TempDir
    Path tmp;

    @Test
    void matchesFindForSpecialBitsAndTypes() throws Exception {
        int[] fileModes = {0644, 0755, 04755, 04644, 02755, 02644, 01777, 01776, 07777, 07000, 0};
        for (int mode : fileModes) {
            Path f = Files.createFile(tmp.resolve("f" + Integer.toOctalString(mode)));
            Files.setAttribute(f, "unix:mode", mode);
        }
        Path d = Files.createDirectory(tmp.resolve("dir"));
        Files.setAttribute(d, "unix:mode", 01777);
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("dir"));
        Tools.runOk(List.of("mkfifo", tmp.resolve("fifo").toString()));
        String listing = Tools.runOk(List.of("find", tmp.toString(), "-mindepth", "1", "-printf", "%P %M\\n")).stdout();
        int checked = 0;
        for (String line : listing.split("\n")) {
            String[] parts = line.split(" ");
            Path p = tmp.resolve(parts[0]);
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(parts[1], ModeString.of(mode), parts[0]);
            checked++;
        }
        assertEquals(fileModes.length + 3, checked);
    }
}
