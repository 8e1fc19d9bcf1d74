package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount server's warm-up: it does all its work (every file made is written, renamed and
 * removed again) in its own in-memory copy of the built-in image, which e2fsck finds clean and
 * debugfs empty afterwards.
 */
class ServerWarmupTest {
    @TempDir
    Path dir;

    @Test
    void theWarmupMakesAndRemovesItsFilesInACleanImageOfItsOwn() throws Exception {
        byte[] pristine = ServerWarmup.image();
        MemoryBlockDevice device = new MemoryBlockDevice(pristine.clone(), false);
        int files = ServerWarmup.run(device);
        assertEquals(ServerWarmup.DIRS * ServerWarmup.FILES_PER_DIR, files);
        byte[] after = device.toByteArray();
        assertFalse(java.util.Arrays.equals(pristine, after), "the warm-up wrote its copy");
        Path img = dir.resolve("warm.img");
        Files.write(img, after);
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", img.toString()), Duration.ofSeconds(60));
        assertEquals(0, fsck.exitCode(), fsck.stdout());
        List<Debugfs.DirEntry> root = new Debugfs(img).ls("/");
        assertEquals(List.of(".", "..", "lost+found"), root.stream().map(Debugfs.DirEntry::name).toList(),
                "everything the warm-up made is gone again");
    }
}
