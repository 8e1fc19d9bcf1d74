package org.ext4j.core.fs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.Tools;

/** What the tests of the volume's parts share: debugfs's view of an inode. */
final class PartsTesting {
    private PartsTesting() {
    }

    /** True when debugfs says inode {@code ino} of {@code image} is marked in use. */
    static boolean inUse(Path image, long ino) {
        Tools.Result r = Tools.run(List.of("debugfs", "-R", "testi <" + ino + ">", image.toString()));
        return (r.stdout() + r.stderr()).contains("is marked in use");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
