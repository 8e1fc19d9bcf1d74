package org.ext4j.core.fs;

import static org.ext4j.core.fs.PartsTesting.bytes;
import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ext4_append's check: a directory block past i_size that is already mapped means i_size is
 * wrong; the error names the directory structure, the directory and the mapped block (not the
 * superblock), as the errors record does.
 */
class AppendDamageTest {
    @TempDir
    Path dir;

    @Test
    void aMappedBlockPastISizeIsDirectoryCorruptionAtThatBlock() throws Exception {
        // A linear directory (no dir_index) whose entries fill two 1 KiB blocks.
        Path src = Files.createDirectories(dir.resolve("src/d"));
        for (int i = 0; i < 40; i++) {
            Files.writeString(src.resolve(String.format("entry-with-a-long-name-%02d", i)), "");
        }
        Path img = ImageFactory.mkfs(dir.resolve("append.img"), "8M", "-b", "1024", "-O", "^dir_index,^inline_data",
                "-d", dir.resolve("src").toString());
        // The second block (logical 1) stays mapped while i_size says the directory has one.
        String blocks = Tools.runOk(List.of("debugfs", "-R", "blocks /d", img.toString())).stdout().trim();
        long second = Long.parseLong(blocks.split("\\s+")[1]);
        Tools.runOk(List.of("debugfs", "-w", "-R", "sif /d size 1024", img.toString()));
        long d = Debugfs.parseStat(Tools.runOk(List.of("debugfs", "-R", "stat /d", img.toString())).stdout()).ino();
        try (MountedParts parts = MountedParts.open(img, OpenOptions.READ_WRITE)) {
            // The first block is full, so a new name needs a block appended at logical 1.
            CorruptionException e = assertThrows(CorruptionException.class, () -> parts.names.create(Caller.ROOT, d,
                    bytes("a-new-name-that-does-not-fit-in-the-first-block"), 0100644, 022, 0));
            assertDamage(e, CorruptionException.Structure.DIRECTORY, d, second);
        }
    }
}
