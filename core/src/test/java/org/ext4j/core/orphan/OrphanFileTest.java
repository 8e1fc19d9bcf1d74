package org.ext4j.core.orphan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.OrphanRecords;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the orphan_file feature, orphans go where the kernel's ext4_orphan_add puts them: a free
 * slot of the orphan file, the classic list once every slot is taken; orphan_present is set
 * while the file may hold entries and cleared when the volume closes with it empty. What a crash
 * leaves in the slots is freed alike by e2fsck -fy, by the kernel's mount and by ext4j's open.
 */
class OrphanFileTest {
    private static final Pattern GROUP_COUNTS = Pattern.compile("(\\d+) free (?:blocks|clusters), (\\d+) free inodes, (\\d+) directories");
    /** Slots of a one-block orphan file with 4 KiB blocks: (4096 - 8) / 4. */
    private static final int SLOTS = 1022;
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    private Path mkfs(String name) {
        return ImageFactory.mkfs(dir.resolve(name), "32M", "-b", "4096", "-N", "2048", "-O", "orphan_file",
                "-E", "orphan_file_size=1");
    }

    @Test
    void tmpfilesTakeFreeSlotsFirstAndTheListWhenTheFileIsFull() throws Exception {
        Path img = mkfs("slots.img");
        List<String> empty = groupCounts(img);
        Random random = new Random(5);
        List<Long> all = new ArrayList<>();
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            List<long[]> open = new ArrayList<>();
            for (int i = 0; i < SLOTS + 8; i++) {
                WritableFileSystem.Created c = vol.tmpfile(Caller.ROOT, ROOT, 0600, WritableFileSystem.O_RDWR);
                open.add(new long[] {c.attributes().ino(), c.handle()});
                all.add(c.attributes().ino());
            }
            vol.fileSystem().transactions().checkpoint();
            assertEquals(all.subList(0, SLOTS), OrphanRecords.slots(img), "the first orphans fill the slots in order");
            List<Long> overflow = new ArrayList<>(all.subList(SLOTS, all.size()));
            Collections.reverse(overflow);
            assertEquals(overflow, OrphanRecords.chain(img, all), "the rest go to the classic list, newest first");
            assertTrue(OrphanRecords.orphanPresent(img));

            Collections.shuffle(open, random);
            List<long[]> closing = open.subList(0, open.size() / 2);
            Set<Long> closed = new HashSet<>();
            for (long[] f : closing) {
                vol.release(f[0], f[1]);
                closed.add(f[0]);
            }
            List<long[]> still = new ArrayList<>(open.subList(open.size() / 2, open.size()));
            WritableFileSystem.Created late = vol.tmpfile(Caller.ROOT, ROOT, 0600, WritableFileSystem.O_RDWR);
            all.add(late.attributes().ino());
            still.add(new long[] {late.attributes().ino(), late.handle()});
            vol.fileSystem().transactions().checkpoint();
            Set<Long> expectedSlots = new HashSet<>(all.subList(0, SLOTS));
            expectedSlots.removeAll(closed);
            expectedSlots.add(late.attributes().ino());
            LinkedList<Long> expectedChain = new LinkedList<>(overflow);
            expectedChain.removeAll(closed);
            assertEquals(expectedSlots, new HashSet<>(OrphanRecords.slots(img)), "a freed slot is taken again before the list");
            assertEquals(expectedChain, OrphanRecords.chain(img, all));

            for (long[] f : still) {
                vol.release(f[0], f[1]);
            }
            vol.fileSystem().transactions().checkpoint();
            assertEquals(List.of(), OrphanRecords.slots(img));
            assertEquals(List.of(), OrphanRecords.chain(img, all));
            assertTrue(OrphanRecords.orphanPresent(img), "the flag stays while the filesystem is in use, as the kernel keeps it");
        }
        assertFalse(OrphanRecords.orphanPresent(img), "closed with an empty orphan file, the flag goes");
        ImageFactory.requireClean(img);
        assertEquals(empty, groupCounts(img));
    }

    /**
     * A crash with orphans in the slots and on the list: files written and unlinked while open,
     * and tmpfiles. e2fsck -fy, the kernel's mount and ext4j's read-write open all free them
     * and end with the same free counts.
     */
    @Test
    void whatACrashLeftInTheSlotsIsFreedByE2fsckTheKernelAndExt4j() throws Exception {
        Path img = mkfs("crash.img");
        Set<Long> orphans = new HashSet<>();
        Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE);
        PosixFileSystem vol = PosixFileSystem.of(fs);
        byte[] data = new byte[50_000];
        new Random(3).nextBytes(data);
        for (int i = 0; i < SLOTS + 3; i++) {
            WritableFileSystem.Created c = i % 100 == 0
                    ? vol.create(Caller.ROOT, ROOT, ("f" + i).getBytes(), 0644, WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL)
                    : vol.tmpfile(Caller.ROOT, ROOT, 0600, WritableFileSystem.O_RDWR);
            long ino = c.attributes().ino();
            if (i % 10 == 0) {
                vol.write(Caller.ROOT, ino, c.handle(), 0, data, 0, data.length);
            }
            if (i % 100 == 0) {
                vol.unlink(Caller.ROOT, ROOT, ("f" + i).getBytes());
            }
            if (i % 7 == 3) {
                vol.release(ino, c.handle());
            } else {
                orphans.add(ino);
            }
        }
        fs.transactions().checkpoint();
        fs.close(); // the crash: the open handles are never released
        Set<Long> recorded = new HashSet<>(OrphanRecords.slots(img));
        recorded.addAll(OrphanRecords.chain(img, orphans));
        assertEquals(orphans, recorded, "every open orphan, and nothing else, is in a slot or on the list");
        assertTrue(OrphanRecords.orphanPresent(img));

        Path oracle = Files.copy(img, dir.resolve("crash-e2fsck.img"));
        Tools.run(List.of("e2fsck", "-fy", oracle.toString()), Duration.ofSeconds(60)).requireExit(0, 1);
        ImageFactory.requireClean(oracle);
        Path kernel = Files.copy(img, dir.resolve("crash-kernel.img"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tools.run(List.of("mount", "-o", "loop", kernel.toString(), mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        ImageFactory.requireClean(kernel);
        assertEquals(groupCounts(oracle), groupCounts(kernel));

        try (PosixFileSystem reopened = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            assertFalse(reopened.isReadOnly());
        }
        ImageFactory.requireClean(img);
        assertEquals(groupCounts(oracle), groupCounts(img));
        assertEquals(List.of(), OrphanRecords.slots(img));
        assertFalse(OrphanRecords.orphanPresent(img));
    }

    /** Each group's free blocks, free inodes and directories as dumpe2fs prints them. */
    private static List<String> groupCounts(Path img) {
        Matcher m = GROUP_COUNTS.matcher(Tools.runOk(List.of("dumpe2fs", img.toString())).stdout());
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(0));
        }
        assertFalse(out.isEmpty(), "dumpe2fs printed no group counts");
        return out;
    }
}
