package org.ext4j.core.fs;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.disk.GroupDescriptor;
import org.ext4j.core.disk.Superblock;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The superblock, group descriptors and inodes as ext4j reads them, against dumpe2fs and debugfs. */
class Ext4FileSystemTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        "-t ext4 SIZE=64M",
        "-t ext4 -b 1024 SIZE=64M",
        "-t ext4 -b 65536 SIZE=256M",
        "-t ext4 -O ^64bit SIZE=64M",
        "-t ext4 -I 128 SIZE=32M",
        "-t ext4 -b 1024 -O meta_bg,^resize_inode SIZE=512M",
        "-t ext4 -O ^metadata_csum,uninit_bg SIZE=64M",
        "-t ext4 -O ^flex_bg SIZE=64M",
        "-t ext4 -O metadata_csum_seed SIZE=64M",
        "-t ext3 SIZE=64M",
        "-t ext2 -b 2048 SIZE=64M"})
    void superblockAndGroupsMatchDumpe2fs(String variant) throws Exception {
        Path img = mkfs(variant);
        String dump = run("dumpe2fs", img.toString());
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            Superblock sb = fs.superblock();
            assertEquals(field(dump, "Block count"), Long.toString(sb.blocksCount()));
            assertEquals(field(dump, "Inode count"), Long.toString(sb.inodesCount()));
            assertEquals(field(dump, "Free blocks"), Long.toString(sb.freeBlocksCount()));
            assertEquals(field(dump, "Free inodes"), Long.toString(sb.freeInodesCount()));
            assertEquals(field(dump, "Block size"), Integer.toString(sb.blockSize()));
            assertEquals(field(dump, "Blocks per group"), Long.toString(sb.blocksPerGroup()));
            assertEquals(field(dump, "Inodes per group"), Long.toString(sb.inodesPerGroup()));
            assertEquals(field(dump, "Inode size"), Integer.toString(sb.inodeSize()));
            assertEquals(field(dump, "First block"), Long.toString(sb.firstDataBlock()));
            assertEquals(field(dump, "Filesystem features"), String.join(" ", fs.featureNames()));
            assertEquals(field(dump, "Filesystem UUID"), uuid(sb.uuid()));
            List<long[]> groups = groups(dump);
            assertEquals(groups.size(), sb.groupCount());
            for (int g = 0; g < groups.size(); g++) {
                GroupDescriptor gd = fs.group(g);
                long[] want = groups.get(g);
                assertEquals(want[0], gd.blockBitmap(), "block bitmap of group " + g);
                assertEquals(want[1], gd.inodeBitmap(), "inode bitmap of group " + g);
                assertEquals(want[2], gd.inodeTable(), "inode table of group " + g);
                assertEquals(want[3], gd.freeBlocksCount(), "free blocks of group " + g);
                assertEquals(want[4], gd.freeInodesCount(), "free inodes of group " + g);
            }
            Inode root = fs.inode(Inode.ROOT_INO);
            assertTrue(root.isDirectory());
        }
    }

    @Test
    void inodeFieldsAndNanosecondTimesMatchDebugfs() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("f"), "hello");
        Path img = mkfs("-t ext4 -d " + src + " SIZE=16M");
        // nanoseconds and an extra-epoch bit (a time after 2038), and a crtime, set by debugfs
        long extra = (123456789L << 2) | 1;
        run("debugfs", "-w", "-R", "sif /f mtime_extra " + extra, img.toString());
        run("debugfs", "-w", "-R", "sif /f crtime_extra " + (987654321L << 2), img.toString());
        run("debugfs", "-w", "-R", "sif /f uid 70000", img.toString());
        String stat = run("debugfs", "-R", "stat /f", img.toString());
        long ino = Long.parseLong(match(stat, "Inode: (\\d+)"));
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            Inode inode = fs.inode(ino);
            assertEquals(5, inode.size());
            assertEquals(70000, inode.uid());
            Matcher m = Pattern.compile(" mtime: 0x([0-9a-f]+):([0-9a-f]+)").matcher(stat);
            assertTrue(m.find());
            long secs = (int) Long.parseLong(m.group(1), 16);
            assertEquals(new Timestamp(secs + (1L << 32), 123456789), inode.mtime());
            Timestamp cr = inode.crtime();
            assertNotNull(cr);
            assertEquals(987654321, cr.nanos());
            assertEquals(Long.parseLong(match(stat, "Inode checksum: 0x([0-9a-f]+)"), 16), inode.storedChecksum());
        }
    }

    @Test
    void unknownIncompatFeatureRefusesToOpenNamingIt() throws Exception {
        Path img = mkfs("-t ext4 SIZE=16M");
        run("debugfs", "-w", "-R", "feature casefold", img.toString());
        Ext4Exception e = assertThrows(Ext4Exception.class,
                () -> Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("casefold"), e.getMessage());
    }

    @Test
    void unknownRoCompatFeatureForcesReadOnly() throws Exception {
        Path img = mkfs("-t ext4 SIZE=16M");
        run("debugfs", "-w", "-R", "feature bigalloc", img.toString());
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            assertTrue(fs.isReadOnly());
            assertTrue(fs.readOnlyReason().contains("bigalloc"), fs.readOnlyReason());
        }
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(mkfs("-t ext4 SIZE=16M"), false), OpenOptions.READ_WRITE)) {
            assertFalse(fs.isReadOnly());
        }
    }

    @Test
    void corruptedSuperblockChecksumIsACorruptionError() throws Exception {
        Path img = mkfs("-t ext4 SIZE=16M");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(Superblock.OFFSET + Superblock.S_MTIME);
            f.write(0x5a);
        }
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY));
        assertDamage(e, CorruptionException.Structure.SUPERBLOCK, CorruptionException.NO_INODE, CorruptionException.NO_BLOCK);
    }

    @Test
    void corruptedInodeChecksumNamesTheInode() throws Exception {
        Path img = mkfs("-t ext4 SIZE=16M");
        long itable;
        long itableBlock;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            itableBlock = fs.group(0).inodeTable();
            itable = itableBlock * fs.blockSize();
        }
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(itable + 256 + Inode.I_MTIME); // inode 2, the root
            f.write(0x77);
        }
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            CorruptionException e = assertThrows(CorruptionException.class, () -> fs.inode(2));
            assertDamage(e, CorruptionException.Structure.INODE, 2, itableBlock);
        }
    }

    @Test
    void truncatedImageIsRefused() throws Exception {
        Path img = mkfs("-t ext4 SIZE=16M");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        CorruptionException e = assertThrows(CorruptionException.class,
                () -> Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY));
        assertDamage(e, CorruptionException.Structure.DEVICE, CorruptionException.NO_INODE, CorruptionException.NO_BLOCK);
    }

    /** A 16 TiB sparse image opens and finds its last group's descriptor without reading the rest. */
    @Test
    void hugeSparseImageOpensLazily() throws Exception {
        // A host ext4 caps files just below 16 TiB; tmpfs does not, and stores only what mkfs writes.
        Path shm = Path.of("/dev/shm");
        Path img = (Files.isDirectory(shm) ? Files.createTempDirectory(shm, "ext4j") : dir).resolve("huge.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(16L << 40);
        }
        run("mkfs.ext4", "-q", "-F", img.toString());
        String dump = run("dumpe2fs", "-h", img.toString());
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            assertEquals(field(dump, "Block count"), Long.toString(fs.blocksCount()));
            long last = fs.superblock().groupCount() - 1;
            assertTrue(fs.group(last).inodeTable() > 0);
        } finally {
            Files.delete(img);
            if (!img.getParent().equals(dir)) {
                Files.delete(img.getParent());
            }
        }
    }

    private Path mkfs(String variant) throws Exception {
        List<String> args = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        String size = "32M";
        for (String a : variant.split(" ")) {
            if (a.startsWith("SIZE=")) {
                size = a.substring(5);
            } else {
                args.add(a);
            }
        }
        Path img = dir.resolve("fs" + Math.abs(variant.hashCode()) + ".img");
        args.add(img.toString());
        args.add(size);
        run(args.toArray(String[]::new));
        return img;
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc + ": " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String field(String dump, String name) {
        return match(dump, "(?m)^" + Pattern.quote(name) + ":\\s+(.*?)\\s*$");
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex + " in output");
        return m.group(1);
    }

    private static String uuid(byte[] u) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format("%02x", u[i]));
        }
        return s.toString();
    }

    /** Per group: block bitmap, inode bitmap, inode table, free blocks, free inodes. */
    private static List<long[]> groups(String dump) {
        List<long[]> out = new ArrayList<>();
        Pattern bb = Pattern.compile("Block bitmap at (\\d+)");
        Pattern ib = Pattern.compile("Inode bitmap at (\\d+)");
        Pattern it = Pattern.compile("Inode table at (\\d+)");
        Pattern free = Pattern.compile("(\\d+) free (?:blocks|clusters), (\\d+) free inodes");
        for (String chunk : dump.split("\nGroup \\d+: ")) {
            if (!chunk.contains("Inode table at")) {
                continue;
            }
            long[] g = new long[5];
            g[0] = first(bb, chunk);
            g[1] = first(ib, chunk);
            g[2] = first(it, chunk);
            Matcher m = free.matcher(chunk);
            assertTrue(m.find());
            g[3] = Long.parseLong(m.group(1));
            g[4] = Long.parseLong(m.group(2));
            out.add(g);
        }
        return out;
    }

    private static long first(Pattern p, String s) {
        Matcher m = p.matcher(s);
        assertTrue(m.find(), p + " in " + s);
        return Long.parseLong(m.group(1));
    }

}
