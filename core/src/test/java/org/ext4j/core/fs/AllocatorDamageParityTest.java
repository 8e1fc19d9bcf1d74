package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.FsckReport;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bitmaps that lie, and the allocators: debugfs marks journal blocks, a bitmap or an inode table
 * free, or live inodes free, keeping checksums valid; then files are created and written, by the
 * kernel on a loop mount and by ext4j on a copy. Neither may hand out what the lie offers:
 * ext4j's new files own none of those blocks or inodes, and e2fsck finds no more problems than
 * before. Where the kernel does worse (it hands out live inodes, measured on 6.18) the test says
 * so in its output instead of asserting the kernel's answer.
 */
class AllocatorDamageParityTest {
    /** Ten files of this size take most of the 8 MiB images' free space, so allocation reaches every group. */
    private static final int FILE_BYTES = 300 * 1024;

    @TempDir
    Path dir;

    @Test
    void journalBlocksMarkedFreeAreNeverHandedOut() throws Exception {
        Path image = image("-b", "1024", "-g", "1024");
        List<Long> journal = new Debugfs(image).blocks("<8>").subList(0, 20);
        long group = (journal.get(0) - 1) / 1024;
        // freeb leaves the descriptor's count alone; a lie the allocator can reach says 20 free there too.
        new Debugfs(image).write(List.of("freeb " + journal.get(0) + " 20", "set_bg " + group + " free_blocks_count 20",
                "set_bg " + group + " checksum calc"));
        Set<Long> lied = new HashSet<>(journal);
        compare(image, lied, Set.of());
    }

    @Test
    void aBitmapThatFreesItsOwnGroupsMetadataTakesItsGroupOutOfAllocation() throws Exception {
        Path image = image("-b", "1024", "-g", "1024", "-O", "^flex_bg,^metadata_csum,^uninit_bg");
        String group1 = Tools.runOk(List.of("dumpe2fs", image.toString())).stdout().split("Group 1:")[1].split("Group 2:")[0];
        long table = Long.parseLong(group1.replaceAll("(?s).*Inode table at (\\d+)-.*", "$1"));
        new Debugfs(image).write(List.of("freeb " + table + " 8", "set_bg 1 free_blocks_count 8", "set_bg 1 checksum calc"));
        Set<Long> lied = new HashSet<>();
        for (long b = table; b < table + 8; b++) {
            lied.add(b);
        }
        compare(image, lied, Set.of());
    }

    @Test
    void liveInodesMarkedFreeAreNeverHandedOut() throws Exception {
        Path image = image("-b", "4096", "-g", "1024");
        new Debugfs(image).write(List.of("freei <11>", "freei <12>", "freei <13>"));
        compare(image, Set.of(), Set.of(11L, 12L, 13L));
    }

    /** An image with a few files and directories, clean. */
    private Path image(String... mkfs) throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("d/f"), "f\n");
        Files.write(src.resolve("data"), new byte[30000]);
        List<String> options = new ArrayList<>(List.of(mkfs));
        options.addAll(List.of("-N", "256", "-d", src.toString()));
        Path image = ImageFactory.mkfs(dir.resolve("img"), "8M", options.toArray(String[]::new));
        ImageFactory.requireClean(image);
        return image;
    }

    /**
     * Creates ten files of {@link #FILE_BYTES} through the kernel and through ext4j on copies of {@code image};
     * ext4j's files must own none of {@code liedBlocks} and none may be one of {@code liedInodes}.
     */
    private void compare(Path image, Set<Long> liedBlocks, Set<Long> liedInodes) throws IOException {
        FsckReport before = FsckReport.of(image);
        Path kernel = dir.resolve("kernel.img");
        Files.copy(image, kernel, StandardCopyOption.REPLACE_EXISTING);
        String kernelOut = Tools.onKernelMount(kernel, dir.resolve("mnt"), "",
                "for i in 0 1 2 3 4 5 6 7 8 9; do head -c " + FILE_BYTES + " /dev/zero > new$i || echo failed $i; done; sync; ls -i | tr '\\n' ' '");
        String kernelWorse = FsckReport.of(kernel).worseThan(before);
        System.out.println(image + ": kernel: " + kernelOut + "; " + (kernelWorse == null ? "not worse" : "worse: " + kernelWorse));

        Caller root = Caller.ROOT;
        try (PosixFileSystem v = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            for (int i = 0; i < 10; i++) {
                WritableFileSystem.Created c = v.create(root, WritableFileSystem.ROOT_INO, ("new" + i).getBytes(StandardCharsets.UTF_8),
                        0100644, 022, 01);
                v.write(root, c.attributes().ino(), c.handle(), 0, new byte[FILE_BYTES], 0, FILE_BYTES);
                v.release(c.attributes().ino(), c.handle());
                assertFalse(liedInodes.contains(c.attributes().ino()), "handed out live inode " + c.attributes().ino());
            }
            assertTrue(v.fileSystem().errors().count() > 0, "the allocators met the lie and recorded it as an error");
        }
        Debugfs debugfs = new Debugfs(image);
        for (int i = 0; i < 10; i++) {
            for (long b : debugfs.blocks("/new" + i)) {
                assertFalse(liedBlocks.contains(b), "/new" + i + " got block " + b + ", which the bitmap falsely showed free");
            }
            assertEquals(FILE_BYTES, debugfs.cat("/new" + i).length);
        }
        FsckReport after = FsckReport.of(image);
        String worse = after.worseThan(before);
        assertTrue(worse == null, "ext4j made the image worse: " + worse + "\n" + after.output());
    }
}
