package org.ext4j.core.alloc;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ext4j.core.spi.CorruptionException.Structure;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bitmaps, block and inode allocation against e2fsprogs: images from mkfs.ext4 in several
 * feature variants; dumpe2fs, debugfs (testb, testi, icheck) and e2fsck -fn judge the results.
 */
class AllocationTest {
    record Variant(String name, String size, String... options) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(
                new Variant("default", "64M"),
                new Variant("4k", "100M", "-b", "4096"),
                new Variant("4k-small-groups", "128M", "-b", "4096", "-g", "8192"),
                new Variant("no-metadata_csum", "64M", "-O", "^metadata_csum"),
                new Variant("uninit_bg", "64M", "-O", "^metadata_csum,uninit_bg"),
                new Variant("no-flex_bg", "64M", "-O", "^flex_bg"),
                new Variant("ext2", "64M", "-t", "ext2"),
                new Variant("32bit", "64M", "-O", "^64bit"),
                new Variant("meta_bg", "64M", "-O", "meta_bg,^resize_inode"));
    }

    static Stream<Variant> checksummedVariants() {
        return variants().filter(v -> !String.join(" ", v.options()).contains("metadata_csum") && !v.name().equals("ext2"));
    }

    @TempDir
    Path dir;

    private Path image(Variant v, String... extra) throws Exception {
        Path img = dir.resolve(v.name() + ".img");
        List<String> options = new ArrayList<>(List.of(v.options()));
        options.addAll(List.of(extra));
        ImageFactory.mkfs(img, v.size(), options.toArray(String[]::new));
        return img;
    }

    /** The filesystem and its allocation machinery, opened read-write. */
    private record Opened(Ext4FileSystem fs, TransactionManager tm, GroupAccounting acc, BlockAllocator blocks,
                          InodeAllocator inodes) implements AutoCloseable {
        static Opened of(Path img) throws IOException {
            Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE);
            GroupAccounting acc = new GroupAccounting(fs);
            return new Opened(fs, fs.transactions(), acc, new BlockAllocator(acc), new InodeAllocator(acc));
        }

        @Override
        public void close() throws IOException {
            fs.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void bitmapsMatchDumpe2fs(Variant v) throws Exception {
        Path img = image(v);
        List<Group> expected = groups(img);
        try (Opened o = Opened.of(img)) {
            Superblock sb = o.fs().superblock();
            assertEquals(sb.groupCount(), expected.size());
            Bitmaps bitmaps = o.acc().bitmaps();
            for (Group g : expected) {
                byte[] blockMap = bitmaps.blockBitmap(o.tm().cache(), g.number());
                List<Long> free = new ArrayList<>();
                long base = sb.groupFirstBlock(g.number());
                for (long b = 0; b < o.acc().layout().blocksInGroup(g.number()); b++) {
                    if (!Bitmap.test(blockMap, b)) {
                        free.add(base + b);
                    }
                }
                assertEquals(g.freeBlockRanges(), ranges(free), "free blocks of group " + g.number());
                assertEquals(g.freeBlocks(), free.size(), "free block count of group " + g.number());
                for (long b = o.acc().layout().blocksInGroup(g.number()); b < 8L * sb.blockSize(); b++) {
                    assertTrue(Bitmap.test(blockMap, b), "padding bit " + b + " of group " + g.number());
                }
                byte[] inodeMap = bitmaps.inodeBitmap(o.tm().cache(), g.number());
                List<Long> freeInodes = new ArrayList<>();
                for (long i = 0; i < sb.inodesPerGroup(); i++) {
                    if (!Bitmap.test(inodeMap, i)) {
                        freeInodes.add(g.number() * sb.inodesPerGroup() + i + 1);
                    }
                }
                assertEquals(g.freeInodeRanges(), ranges(freeInodes), "free inodes of group " + g.number());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void allocateThenFreeRestoresTheImage(Variant v) throws Exception {
        Path img = image(v);
        Path pristine = dir.resolve(v.name() + ".pristine.img");
        Files.copy(img, pristine);
        long freeBlocks = dumpe2fsCount(img, "Free blocks");
        long freeInodes = dumpe2fsCount(img, "Free inodes");
        List<Group> groupsBefore = groups(img);
        List<BlockRun> runs = new ArrayList<>();
        List<Long> files = new ArrayList<>();
        List<Long> dirs = new ArrayList<>();
        try (Opened o = Opened.of(img)) {
            Superblock sb = o.fs().superblock();
            long last = sb.groupCount() - 1;
            try (Transaction tx = o.tm().begin()) {
                runs.addAll(o.blocks().allocate(tx, o.blocks().goalForInode(12, true), 10, false));
                runs.addAll(o.blocks().allocate(tx, sb.groupFirstBlock(last) + 5, 300, false));
                runs.addAll(o.blocks().allocate(tx, sb.groupFirstBlock(sb.groupCount() / 2) + 1000, 1, false));
                runs.addAll(o.blocks().allocate(tx, 0, 3, false));
                files.add(o.inodes().allocate(tx, Inode.ROOT_INO, false));
                dirs.add(o.inodes().allocate(tx, Inode.ROOT_INO, true));
                dirs.add(o.inodes().allocate(tx, Inode.ROOT_INO, true));
                dirs.add(o.inodes().allocate(tx, dirs.get(0), true));
                files.add(o.inodes().allocate(tx, dirs.get(1), false));
                tx.commit();
            }
            assertEquals(freeBlocks - total(runs), o.acc().superblockEditor().freeBlocksCount(o.tm().cache()));
        }
        assertEquals(314, total(runs));
        TreeSet<Long> allocated = blocksOf(runs);
        TreeSet<Long> inodes = new TreeSet<>(files);
        inodes.addAll(dirs);
        assertEquals(5, inodes.size());

        // Before: every allocated block and inode was free and owned by nothing.
        List<String> cmds = new ArrayList<>();
        for (BlockRun r : runs) {
            cmds.add("testb " + r.start() + " " + r.length());
            cmds.add("icheck " + r.start());
        }
        inodes.forEach(i -> cmds.add("testi <" + i + ">"));
        String before = String.join("", new Debugfs(pristine).batch(cmds));
        assertFalse(before.contains("marked in use"), before);
        assertEquals(runs.size(), before.split("<block not found>", -1).length - 1, before);
        // After: all of them are in use, and e2fsck finds exactly them in use by nothing.
        String after = String.join("", new Debugfs(img).batch(cmds));
        assertEquals(allocated.size() + inodes.size(), after.split("marked in use", -1).length - 1, after);
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", img.toString()));
        assertEquals(4, fsck.exitCode(), fsck.stdout());
        assertEquals(allocated, Tools.e2fsckBitmapDifferences(fsck.stdout(), "Block"), fsck.stdout());
        assertEquals(inodes, Tools.e2fsckBitmapDifferences(fsck.stdout(), "Inode"), fsck.stdout());
        assertEquals(freeBlocks - allocated.size(), dumpe2fsCount(img, "Free blocks"));
        assertEquals(freeInodes - inodes.size(), dumpe2fsCount(img, "Free inodes"));
        Map<Long, Long> blocksPerGroup = new HashMap<>();
        Map<Long, Long> inodesPerGroup = new HashMap<>();
        Map<Long, Long> dirsPerGroup = new HashMap<>();
        try (Opened o = Opened.of(img)) {
            Superblock sb = o.fs().superblock();
            allocated.forEach(b -> blocksPerGroup.merge(sb.groupOfBlock(b), 1L, Long::sum));
            inodes.forEach(i -> inodesPerGroup.merge((i - 1) / sb.inodesPerGroup(), 1L, Long::sum));
            dirs.forEach(i -> dirsPerGroup.merge((i - 1) / sb.inodesPerGroup(), 1L, Long::sum));
        }
        for (Group g : groups(img)) {
            Group was = groupsBefore.get((int) g.number());
            assertEquals(was.freeBlocks() - blocksPerGroup.getOrDefault(g.number(), 0L), g.freeBlocks(), "free blocks of group " + g.number());
            assertEquals(was.freeInodes() - inodesPerGroup.getOrDefault(g.number(), 0L), g.freeInodes(), "free inodes of group " + g.number());
            assertEquals(was.dirs() + dirsPerGroup.getOrDefault(g.number(), 0L), g.dirs(), "directories of group " + g.number());
        }

        try (Opened o = Opened.of(img); Transaction tx = o.tm().begin()) {
            for (BlockRun r : runs) {
                o.blocks().free(tx, r.start(), r.length());
            }
            files.forEach(i -> o.inodes().free(tx, i, false));
            dirs.forEach(i -> o.inodes().free(tx, i, true));
            tx.commit();
        }
        ImageFactory.requireClean(img);
        assertEquals(freeBlocks, dumpe2fsCount(img, "Free blocks"));
        assertEquals(freeInodes, dumpe2fsCount(img, "Free inodes"));
        List<Group> groupsAfter = groups(img);
        for (int g = 0; g < groupsBefore.size(); g++) {
            assertEquals(groupsBefore.get(g).freeBlocks(), groupsAfter.get(g).freeBlocks(), "free blocks of group " + g);
            assertEquals(groupsBefore.get(g).freeInodes(), groupsAfter.get(g).freeInodes(), "free inodes of group " + g);
            assertEquals(groupsBefore.get(g).dirs(), groupsAfter.get(g).dirs(), "directories of group " + g);
            assertEquals(groupsBefore.get(g).freeBlockRanges(), groupsAfter.get(g).freeBlockRanges(), "free block ranges of group " + g);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fillingTheFilesystemEndsInEnospcThatChangesNothing(Variant v) throws Exception {
        // Fewer inodes than mkfs's default keep the inode part of the test quick.
        Path img = image(v, "-N", "2048");
        long freeBlocks = dumpe2fsCount(img, "Free blocks");
        long freeInodes = dumpe2fsCount(img, "Free inodes");
        long reserved = dumpe2fsCount(img, "Reserved block count");
        assertTrue(reserved > 0);
        byte[] pristine = Files.readAllBytes(img);
        try (Opened o = Opened.of(img)) {
            try (Transaction tx = o.tm().begin()) {
                Ext4Exception e = assertThrows(Ext4Exception.class, () -> o.blocks().allocate(tx, 0, freeBlocks + 1, true));
                assertEquals(Errno.ENOSPC, e.errno());
                e = assertThrows(Ext4Exception.class, () -> o.blocks().allocate(tx, 0, freeBlocks - reserved + 1, false));
                assertEquals(Errno.ENOSPC, e.errno());
                tx.commit();
            }
        }
        assertTrue(java.util.Arrays.equals(pristine, Files.readAllBytes(img)), "ENOSPC changed the image");

        List<BlockRun> runs = new ArrayList<>();
        List<Long> inodes = new ArrayList<>();
        try (Opened o = Opened.of(img)) {
            try (Transaction tx = o.tm().begin()) {
                runs.addAll(o.blocks().allocate(tx, 0, freeBlocks - reserved, false));
                assertEquals(Errno.ENOSPC, assertThrows(Ext4Exception.class, () -> o.blocks().allocate(tx, 0, 1, false)).errno());
                runs.addAll(o.blocks().allocate(tx, 0, reserved - 1, true));
                runs.addAll(o.blocks().allocate(tx, 0, 1, true));
                assertEquals(Errno.ENOSPC, assertThrows(Ext4Exception.class, () -> o.blocks().allocate(tx, 0, 1, true)).errno());
                for (long i = 0; i < freeInodes; i++) {
                    inodes.add(o.inodes().allocate(tx, Inode.ROOT_INO, false));
                }
                assertEquals(Errno.ENOSPC, assertThrows(Ext4Exception.class, () -> o.inodes().allocate(tx, Inode.ROOT_INO, true)).errno());
                tx.commit();
            }
        }
        assertEquals(freeBlocks, total(runs));
        assertEquals(freeBlocks, blocksOf(runs).size());
        assertEquals(freeInodes, new HashSet<>(inodes).size());
        assertEquals(0, dumpe2fsCount(img, "Free blocks"));
        assertEquals(0, dumpe2fsCount(img, "Free inodes"));
        for (Group g : groups(img)) {
            assertEquals("", g.freeBlockRanges(), "group " + g.number() + " still has free blocks");
            assertEquals("", g.freeInodeRanges(), "group " + g.number() + " still has free inodes");
        }
        try (Opened o = Opened.of(img); Transaction tx = o.tm().begin()) {
            for (BlockRun r : runs) {
                o.blocks().free(tx, r.start(), r.length());
            }
            for (long ino : inodes) {
                o.inodes().free(tx, ino, false);
            }
            tx.commit();
        }
        ImageFactory.requireClean(img);
        assertEquals(freeBlocks, dumpe2fsCount(img, "Free blocks"));
        assertEquals(freeInodes, dumpe2fsCount(img, "Free inodes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void abortLeavesCacheAndImageUntouched(Variant v) throws Exception {
        Path img = image(v);
        byte[] pristine = Files.readAllBytes(img);
        try (Opened o = Opened.of(img)) {
            long bitmapBlock = o.acc().groups().descriptor(o.tm().cache(), 0).blockBitmap();
            long sbBlock = o.acc().superblockEditor().block();
            byte[] bitmapBefore = o.tm().cache().read(bitmapBlock);
            byte[] sbBefore = o.tm().cache().read(sbBlock);
            Transaction tx = o.tm().begin();
            List<BlockRun> runs = o.blocks().allocate(tx, 0, 5, false);
            long ino = o.inodes().allocate(tx, Inode.ROOT_INO, true);
            assertTrue(runs.get(0).start() < o.fs().superblock().groupFirstBlock(1), "first-fit from the start lands in group 0");
            assertNotEquals(java.util.Arrays.toString(bitmapBefore), java.util.Arrays.toString(tx.read(bitmapBlock)));
            assertTrue(java.util.Arrays.equals(bitmapBefore, o.tm().cache().read(bitmapBlock)), "uncommitted change visible in the cache");
            tx.abort();
            assertTrue(java.util.Arrays.equals(bitmapBefore, o.tm().cache().read(bitmapBlock)));
            assertTrue(java.util.Arrays.equals(sbBefore, o.tm().cache().read(sbBlock)));
            try (Transaction again = o.tm().begin()) {
                assertEquals(runs, o.blocks().allocate(again, 0, 5, false), "the aborted blocks are free again");
                assertEquals(ino, o.inodes().allocate(again, Inode.ROOT_INO, true));
            }
        }
        assertTrue(java.util.Arrays.equals(pristine, Files.readAllBytes(img)), "abort changed the image");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checksummedVariants")
    void damagedBitmapFailsItsChecksum(Variant v) throws Exception {
        Path img = image(v);
        long blockBitmap;
        long inodeBitmap;
        int bs;
        try (Opened o = Opened.of(img)) {
            GroupDescriptor gd = o.fs().group(0);
            blockBitmap = gd.blockBitmap();
            inodeBitmap = gd.inodeBitmap();
            bs = o.fs().blockSize();
            o.acc().bitmaps().blockBitmap(o.tm().cache(), 0);
            o.acc().bitmaps().inodeBitmap(o.tm().cache(), 0);
        }
        Path damaged = dir.resolve("damaged.img");
        Files.copy(img, damaged);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(damaged, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.READ)) {
            flipByte(ch, blockBitmap * bs + 200);
            flipByte(ch, inodeBitmap * bs + 1);
        }
        try (Opened o = Opened.of(damaged)) {
            CorruptionException e = assertThrows(CorruptionException.class, () -> o.acc().bitmaps().blockBitmap(o.tm().cache(), 0));
            assertDamage(e, Structure.BLOCK_BITMAP, CorruptionException.NO_INODE, blockBitmap);
            e = assertThrows(CorruptionException.class, () -> o.acc().bitmaps().inodeBitmap(o.tm().cache(), 0));
            assertDamage(e, Structure.INODE_BITMAP, CorruptionException.NO_INODE, inodeBitmap);
            // As the kernel marks such a group BBITMAP_CORRUPT: nothing is allocated from it, the error is recorded.
            try (Transaction tx = o.tm().begin()) {
                Superblock sb = o.fs().superblock();
                try {
                    List<BlockRun> runs = o.blocks().allocate(tx, sb.firstDataBlock() + 1, 1, true);
                    assertTrue(sb.groupOfBlock(runs.get(0).start()) != 0, "allocated from the damaged group: " + runs);
                } catch (Ext4Exception enospc) {
                    assertEquals(Errno.ENOSPC, enospc.errno(), enospc.getMessage());
                    assertEquals(1, sb.groupCount(), "ENOSPC although other groups have room");
                }
            }
            assertTrue(o.fs().errors().isBlockBitmapCorrupt(0));
            assertTrue(o.fs().errors().count() >= 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void topLevelDirectoriesSpreadAndFilesStayNearTheirParent(Variant v) throws Exception {
        Path img = image(v);
        List<Group> before = groups(img);
        try (Opened o = Opened.of(img); Transaction tx = o.tm().begin()) {
            Superblock sb = o.fs().superblock();
            long ipg = sb.inodesPerGroup();
            Set<Long> groups = new HashSet<>();
            List<Long> top = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long ino = o.inodes().allocate(tx, Inode.ROOT_INO, true);
                top.add(ino);
                groups.add((ino - 1) / ipg);
            }
            boolean flex = o.fs().featureNames().contains("flex_bg");
            long units = flex ? (sb.groupCount() + (1L << sb.logGroupsPerFlex()) - 1) / (1L << sb.logGroupsPerFlex()) : sb.groupCount();
            if (!flex) {
                // Orlov: only groups with at least average free inodes and blocks take top-level directories.
                long avgBlocks = before.stream().mapToLong(Group::freeBlocks).sum() / units;
                long avgInodes = before.stream().mapToLong(Group::freeInodes).sum() / units;
                long eligible = before.stream().filter(g -> g.freeBlocks() >= avgBlocks && g.freeInodes() >= avgInodes).count();
                assertEquals(Math.min(4, eligible), groups.size(), "four top-level directories went to " + groups);
            }
            for (long parent : top) {
                long file = o.inodes().allocate(tx, parent, false);
                long unitSize = flex ? 1L << sb.logGroupsPerFlex() : 1;
                assertEquals((parent - 1) / ipg / unitSize, (file - 1) / ipg / unitSize, "file of directory " + parent);
                assertTrue(file >= sb.firstIno());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void metadataMarkedFreeIsNeverHandedOut() throws Exception {
        Variant v = new Variant("hostile", "64M", "-O", "^flex_bg");
        Path img = image(v);
        // debugfs frees a reserved GDT block of group 0 and updates the bitmap checksum: only the layout knows better.
        new Debugfs(img).write(List.of("freeb 10"));
        assertTrue(String.join("", new Debugfs(img).batch(List.of("testb 10"))).contains("not in use"));
        try (Opened o = Opened.of(img); Transaction tx = o.tm().begin()) {
            List<BlockRun> runs = o.blocks().allocate(tx, 2, 1, true);
            assertTrue(o.fs().superblock().groupOfBlock(runs.get(0).start()) != 0, "allocated from the group that lies: " + runs);
            assertTrue(o.fs().errors().isBlockBitmapCorrupt(0));
            assertTrue(o.fs().errors().last().message().contains("block bitmap of group 0"), o.fs().errors().last().message());
            CorruptionException e = assertThrows(CorruptionException.class, () -> o.blocks().free(tx, 9, 3));
            assertDamage(e, Structure.SYSTEM_ZONE, CorruptionException.NO_INODE, 9);
            assertThrows(IllegalArgumentException.class, () -> o.inodes().free(tx, 2, true));
        }
    }

    private static void flipByte(java.nio.channels.FileChannel ch, long pos) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
        ch.read(b, pos);
        b.put(0, (byte) (b.get(0) ^ 0x10));
        b.rewind();
        ch.write(b, pos);
    }

    private static long total(List<BlockRun> runs) {
        return runs.stream().mapToLong(BlockRun::length).sum();
    }

    private static TreeSet<Long> blocksOf(List<BlockRun> runs) {
        TreeSet<Long> set = new TreeSet<>();
        for (BlockRun r : runs) {
            for (long b = r.start(); b < r.end(); b++) {
                set.add(b);
            }
        }
        return set;
    }

    /** A count of {@code dumpe2fs -h}, e.g. "Free blocks". */
    private static long dumpe2fsCount(Path image, String field) {
        return Long.parseLong(Tools.dumpe2fsField(image, field));
    }

    /** One group as dumpe2fs prints it. */
    private record Group(long number, long freeBlocks, long freeInodes, long dirs, String freeBlockRanges, String freeInodeRanges) {
    }

    private static final Pattern GROUP = Pattern.compile("^Group (\\d+):");
    private static final Pattern COUNTS = Pattern.compile("^\\s+(\\d+) free (?:blocks|clusters), (\\d+) free inodes, (\\d+) directories");

    /** Every group as dumpe2fs prints it: the oracle for the bitmaps and counters. */
    private static List<Group> groups(Path image) {
        List<Group> groups = new ArrayList<>();
        long number = -1;
        long[] counts = null;
        String freeBlocks = null;
        for (String line : Tools.runOk(List.of("dumpe2fs", image.toString())).stdout().split("\n")) {
            Matcher g = GROUP.matcher(line);
            if (g.find()) {
                number = Long.parseLong(g.group(1));
                continue;
            }
            Matcher c = COUNTS.matcher(line);
            if (c.find()) {
                counts = new long[] {Long.parseLong(c.group(1)), Long.parseLong(c.group(2)), Long.parseLong(c.group(3))};
            } else if (line.trim().startsWith("Free blocks:")) {
                freeBlocks = line.trim().substring("Free blocks:".length()).trim();
            } else if (line.trim().startsWith("Free inodes:") && number >= 0) {
                groups.add(new Group(number, counts[0], counts[1], counts[2], freeBlocks, line.trim().substring("Free inodes:".length()).trim()));
            }
        }
        return groups;
    }

    /** Formats numbers as dumpe2fs does: "a-b, c, d-e". */
    private static String ranges(Iterable<Long> sorted) {
        StringBuilder sb = new StringBuilder();
        long start = -1;
        long prev = -1;
        for (long v : sorted) {
            if (start >= 0 && v == prev + 1) {
                prev = v;
                continue;
            }
            appendRange(sb, start, prev);
            start = v;
            prev = v;
        }
        appendRange(sb, start, prev);
        return sb.toString();
    }

    private static void appendRange(StringBuilder sb, long start, long end) {
        if (start < 0) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append(start);
        if (end > start) {
            sb.append('-').append(end);
        }
    }

    /**
     * A bitmap that passed its checks is not checked again, but only that very array: a copy of
     * the same block with one bit flipped (damage read from disk into a new array) is checked
     * and refused, for block and inode bitmaps alike.
     */
    @org.junit.jupiter.api.Test
    void aVerifiedBitmapVouchesOnlyForTheArrayThatPassed() throws Exception {
        Path img = image(variants().findFirst().orElseThrow());
        try (Opened o = Opened.of(img)) {
            Bitmaps bitmaps = o.acc().bitmaps();
            GroupDescriptor gd = o.fs().group(0);
            byte[] blockMap = o.tm().cache().readShared(gd.blockBitmap());
            bitmaps.verifyBlockBitmap(gd, blockMap);
            assertTrue(o.fs().verifiedBlocks().contains(gd.blockBitmap(), blockMap));
            byte[] damaged = java.util.Arrays.copyOf(blockMap, blockMap.length);
            damaged[damaged.length - 1] ^= 1;
            CorruptionException e = assertThrows(CorruptionException.class, () -> bitmaps.verifyBlockBitmap(gd, damaged));
            assertEquals(Structure.BLOCK_BITMAP, e.structure());
            bitmaps.verifyBlockBitmap(gd, blockMap);

            byte[] inodeMap = o.tm().cache().readShared(gd.inodeBitmap());
            bitmaps.verifyInodeBitmap(gd, inodeMap);
            byte[] damagedInodes = java.util.Arrays.copyOf(inodeMap, inodeMap.length);
            damagedInodes[0] ^= (byte) 0x80;
            e = assertThrows(CorruptionException.class, () -> bitmaps.verifyInodeBitmap(gd, damagedInodes));
            assertEquals(Structure.INODE_BITMAP, e.structure());
        }
    }
}
