package org.ext4j.core.dir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.alloc.InodeAllocator;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Directories changed by {@link DirectoryWriter} in images made by mkfs.ext4 (checksums on and
 * off, 1 KiB blocks, large_dir, without dir_index, ext2, inline_data): thousands of names of every
 * length 1..255 (many non-ASCII) added, half removed, more added, then compared with e2fsck -fn
 * (which checks the htree), debugfs ls -p and htree_dump, lookups through the reader and a kernel
 * mount.
 */
class DirectoryWriterTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("ext4", 3000, List.of("-t", "ext4"), 1),
                Arguments.of("1k", 3000, List.of("-t", "ext4", "-b", "1024"), 1),
                Arguments.of("nocsum", 2000, List.of("-t", "ext4", "-O", "^metadata_csum"), 1),
                Arguments.of("nodirindex", 400, List.of("-t", "ext4", "-O", "^dir_index"), -1),
                Arguments.of("ext2", 150, List.of("-t", "ext2"), 0),
                Arguments.of("inline", 600, List.of("-t", "ext4", "-O", "inline_data"), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void addRemoveAddMatchesOracles(String label, int entries, List<String> mkfs, int minLevels) throws Exception {
        Path img = makeImage(mkfs, "64M");
        long d = inum(img, "/d");
        long f = inum(img, "/f");
        Random rnd = new Random(label.hashCode());
        Map<String, byte[]> model = new TreeMap<>();
        Set<String> used = new HashSet<>(Set.of("sub"));
        long sub;
        long empty;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            DirectoryWriter w = new DirectoryWriter();
            addNames(tm, w, d, f, entries, 0, rnd, used, model);
            List<String> keys = new ArrayList<>(model.keySet());
            try (Transaction tx = tm.begin()) {
                for (String k : keys) {
                    if (rnd.nextBoolean()) {
                        w.remove(tx, d, model.remove(k));
                    }
                }
                tx.commit();
            }
            addNames(tm, w, d, f, entries / 2, entries, rnd, used, model);

            // Errors change nothing: the transaction is aborted and the directory is as it was.
            byte[] present = model.values().iterator().next();
            try (Transaction tx = tm.begin()) {
                assertEquals(Errno.EEXIST, assertThrows(Ext4Exception.class,
                        () -> w.add(tx, d, present, f, FileType.REGULAR)).errno());
                assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class,
                        () -> w.remove(tx, d, "no such name".getBytes(StandardCharsets.UTF_8))).errno());
                assertEquals(Errno.ENAMETOOLONG, assertThrows(Ext4Exception.class,
                        () -> w.add(tx, d, new byte[256], f, FileType.REGULAR)).errno());
                assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class,
                        () -> w.add(tx, d, "a/b".getBytes(StandardCharsets.UTF_8), f, FileType.REGULAR)).errno());
                w.add(tx, d, "aborted".getBytes(StandardCharsets.UTF_8), f, FileType.REGULAR);
                tx.abort();
            }

            // A new directory under the root, filled, then moved into d (rename's directory part).
            try (Transaction tx = tm.begin()) {
                InodeAllocator inodes = new InodeAllocator(new GroupAccounting(fs));
                sub = newDirectory(tx, inodes, Inode.ROOT_INO);
                empty = newDirectory(tx, inodes, sub);
                w.add(tx, Inode.ROOT_INO, bytes("sub"), sub, FileType.DIRECTORY);
                w.add(tx, sub, bytes("empty"), empty, FileType.DIRECTORY);
                for (int i = 0; i < 120; i++) {
                    w.add(tx, sub, bytes("member-" + i + "-" + "é".repeat(i % 40)), f, FileType.REGULAR);
                }
                addLinks(tx, Inode.ROOT_INO, 1);
                addLinks(tx, sub, 1);
                tx.commit();
            }
            try (Transaction tx = tm.begin()) {
                assertTrue(w.isEmpty(tx, empty));
                assertFalse(w.isEmpty(tx, sub));
                w.remove(tx, Inode.ROOT_INO, bytes("sub"));
                w.add(tx, d, bytes("sub"), sub, FileType.DIRECTORY);
                w.setParent(tx, sub, d);
                addLinks(tx, Inode.ROOT_INO, -1);
                addLinks(tx, d, 1);
                // Every name of f is a hard link: its link count is the number of names.
                byte[] raw = InodeStore.read(tx, f).raw();
                LittleEndian.put16(raw, Inode.I_LINKS_COUNT, model.size() + 1 + 120);
                InodeStore.write(tx, f, raw);
                tx.commit();
            }

            DirectoryReader reader = DirectoryReader.of(fs, fs.inode(d));
            for (byte[] name : model.values()) {
                Optional<DirEntry> e = reader.lookup(name);
                assertTrue(e.isPresent(), "lookup of " + latin1(name));
                assertEquals(f, e.get().ino());
            }
            for (String gone : used) {
                if (!model.containsKey(gone) && !gone.equals("sub")) {
                    assertTrue(reader.lookup(gone.getBytes(StandardCharsets.ISO_8859_1)).isEmpty(), "removed " + gone);
                }
            }
            assertEquals(sub, reader.lookup(bytes("sub")).orElseThrow().ino());
            assertEquals(d, DirectoryReader.of(fs, fs.inode(sub)).lookup(bytes("..")).orElseThrow().ino());
        }
        fsck(img);

        Set<String> expected = new TreeSet<>(model.keySet());
        expected.add("sub");
        Set<String> listed = new TreeSet<>();
        for (DirImages.Listed e : DirImages.debugfsList(img, "/d")) {
            if (!e.nameLatin1().equals(".") && !e.nameLatin1().equals("..")) {
                assertTrue(listed.add(e.nameLatin1()), "listed twice: " + e.nameLatin1());
                assertEquals(e.nameLatin1().equals("sub") ? sub : f, e.ino(), e.nameLatin1());
            }
        }
        assertEquals(expected, listed);
        if (minLevels >= 0) {
            String dump = DirImages.run(List.of("debugfs", "-R", "htree_dump /d", img.toString()));
            Matcher m = Pattern.compile("Indirect levels: (\\d+)").matcher(dump);
            assertTrue(m.find(), dump.substring(0, Math.min(500, dump.length())));
            assertTrue(Integer.parseInt(m.group(1)) >= minLevels, "indirect levels " + m.group(1));
        }
        assertEquals(expected, kernelList(img, "d"));
    }

    /** With 1 KiB blocks and large_dir, enough long names push the index to three levels. */
    @Test
    void largeDirGrowsToThreeLevels() throws Exception {
        Path img = makeImage(List.of("-t", "ext4", "-b", "1024", "-O", "large_dir"), "256M");
        long d = inum(img, "/d");
        long f = inum(img, "/f");
        Map<String, byte[]> model = new TreeMap<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            DirectoryWriter w = new DirectoryWriter();
            int n = 0;
            int levels = 0;
            while (levels < 2) {
                try (Transaction tx = tm.begin()) {
                    for (int i = 0; i < 2000; i++, n++) {
                        byte[] name = bytes(String.format("%06d-", n) + "x".repeat(240));
                        w.add(tx, d, name, f, FileType.REGULAR);
                        model.put(latin1(name), name);
                    }
                    tx.commit();
                }
                levels = DirectoryReader.of(fs, fs.inode(d)).openIndex().indirectLevels();
                assertTrue(n < 200_000, "no third level after " + n + " entries");
            }
            try (Transaction tx = tm.begin()) {
                int k = 0;
                for (java.util.Iterator<byte[]> it = model.values().iterator(); it.hasNext(); ) {
                    byte[] name = it.next();
                    if (k++ % 3 == 0) {
                        w.remove(tx, d, name);
                        it.remove();
                    }
                }
                tx.commit();
            }
            assertTrue(model.size() < 65000, "more names than a link count holds: " + model.size());
            setLinks(tm, f, model.size() + 1);
            DirectoryReader reader = DirectoryReader.of(fs, fs.inode(d));
            for (byte[] name : model.values()) {
                assertTrue(reader.lookup(name).isPresent(), latin1(name));
            }
        }
        fsck(img);
        String dump = DirImages.run(List.of("debugfs", "-R", "htree_dump /d", img.toString()));
        assertTrue(dump.contains("Indirect levels: 2"), dump.substring(0, 300));
        assertEquals(model.keySet(), kernelList(img, "d"));
    }

    /** Without large_dir the index stops at two levels with ENOSPC, as the kernel's does. */
    @Test
    void indexFullWithoutLargeDirIsEnospc() throws Exception {
        Path img = makeImage(List.of("-t", "ext4", "-b", "1024"), "256M");
        long d = inum(img, "/d");
        long f = inum(img, "/f");
        int n = 0;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            DirectoryWriter w = new DirectoryWriter();
            Ext4Exception full = null;
            int committed = 0;
            while (full == null) {
                try (Transaction tx = tm.begin()) {
                    for (int i = 0; i < 2000; i++, n++) {
                        w.add(tx, d, bytes(String.format("%06d-", n) + "y".repeat(240)), f, FileType.REGULAR);
                    }
                    tx.commit();
                    committed = n;
                } catch (Ext4Exception e) {
                    full = e;
                }
                assertTrue(n < 65000, "the index never filled");
            }
            assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
            assertEquals(1, DirectoryReader.of(fs, fs.inode(d)).openIndex().indirectLevels());
            setLinks(tm, f, committed + 1);
        }
        fsck(img);
    }

    /**
     * An inline directory fills i_block, then system.data (grown to the room the inode has),
     * loses entries from both parts and stays inline; a second one overflows into a block.
     */
    @Test
    void inlineDirectoryAddRemoveAndConversion() throws Exception {
        Path img = makeImage(List.of("-t", "ext4", "-b", "4096", "-O", "inline_data"), "32M");
        long f = inum(img, "/f");
        long inline;
        long converted;
        Set<String> inlineNames = new TreeSet<>();
        Set<String> convertedNames = new TreeSet<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            DirectoryWriter w = new DirectoryWriter();
            try (Transaction tx = tm.begin()) {
                InodeAllocator inodes = new InodeAllocator(new GroupAccounting(fs));
                inline = newDirectory(tx, inodes, Inode.ROOT_INO);
                converted = newDirectory(tx, inodes, Inode.ROOT_INO);
                w.add(tx, Inode.ROOT_INO, bytes("inline"), inline, FileType.DIRECTORY);
                w.add(tx, Inode.ROOT_INO, bytes("converted"), converted, FileType.DIRECTORY);
                addLinks(tx, Inode.ROOT_INO, 2);
                int links = 1;
                for (int i = 0; i < 6; i++) {
                    String name = "name-" + i + "é";
                    w.add(tx, inline, bytes(name), f, FileType.REGULAR);
                    inlineNames.add(latin1(bytes(name)));
                    links++;
                }
                assertTrue(InodeStore.read(tx, inline).size() > 60, "system.data holds part of the entries");
                w.remove(tx, inline, bytes("name-0é"));
                w.remove(tx, inline, bytes("name-5é"));
                inlineNames.remove(latin1(bytes("name-0é")));
                inlineNames.remove(latin1(bytes("name-5é")));
                links -= 2;
                w.add(tx, inline, bytes("again"), f, FileType.REGULAR);
                inlineNames.add("again");
                links++;
                assertTrue(InodeStore.read(tx, inline).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
                for (int i = 0; i < 40; i++) {
                    String name = "overflowing-entry-" + i;
                    w.add(tx, converted, bytes(name), f, FileType.REGULAR);
                    convertedNames.add(name);
                    links++;
                }
                Inode c = InodeStore.read(tx, converted);
                assertFalse(c.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
                assertEquals(fs.blockSize(), c.size());
                w.remove(tx, converted, bytes("overflowing-entry-7"));
                convertedNames.remove("overflowing-entry-7");
                links--;
                w.setParent(tx, inline, converted);
                w.remove(tx, Inode.ROOT_INO, bytes("inline"));
                w.add(tx, converted, bytes("inline"), inline, FileType.DIRECTORY);
                convertedNames.add("inline");
                addLinks(tx, Inode.ROOT_INO, -1);
                addLinks(tx, converted, 1);
                byte[] raw = InodeStore.read(tx, f).raw();
                LittleEndian.put16(raw, Inode.I_LINKS_COUNT, links);
                InodeStore.write(tx, f, raw);
                tx.commit();
            }
            assertEquals(converted, DirectoryReader.of(fs, fs.inode(inline)).lookup(bytes("..")).orElseThrow().ino());
        }
        fsck(img);
        Set<String> listed = new TreeSet<>();
        for (DirImages.Listed e : DirImages.debugfsList(img, "/converted/inline")) {
            listed.add(e.nameLatin1());
        }
        listed.remove(".");
        listed.remove("..");
        assertEquals(inlineNames, listed);
        assertEquals(inlineNames, kernelList(img, "converted/inline"));
        assertEquals(convertedNames, kernelList(img, "converted"));
    }

    /**
     * Pairs of names with equal hashes (found by brute force for the image's seed) fill a 1 KiB
     * block directory: leaf splits fall between the two names of a pair, so the index marks the
     * new leaf's hash as a continuation (low bit set), and lookups must follow it.
     */
    @Test
    void hashCollisionsAreMarkedAsContinuations() throws Exception {
        Path img = makeImage(List.of("-t", "ext4", "-b", "1024", "-E",
                "hash_seed=6578746a-0000-4000-8000-000000000002"), "64M");
        long d = inum(img, "/d");
        long f = inum(img, "/f");
        List<byte[]> names = new ArrayList<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            org.ext4j.core.disk.Superblock sb = fs.superblock();
            int version = sb.defHashVersion()
                    + ((sb.flags() & org.ext4j.core.disk.Superblock.FLAGS_UNSIGNED_HASH) != 0 ? org.ext4j.core.htree.DirHash.UNSIGNED_DELTA : 0);
            int candidates = 1 << 20;
            long[] keyed = new long[candidates];
            for (int i = 0; i < candidates; i++) {
                int hash = org.ext4j.core.htree.DirHash.hash(collisionName(i), version, sb.hashSeed()).major();
                keyed[i] = (hash & 0xFFFFFFFFL) << 32 | i;
            }
            Arrays.sort(keyed);
            for (int i = 1; i < candidates; i++) {
                if (keyed[i] >>> 32 == keyed[i - 1] >>> 32) {
                    names.add(collisionName((int) keyed[i - 1]));
                    names.add(collisionName((int) keyed[i]));
                }
            }
            assertTrue(names.size() >= 100, "only " + names.size() / 2 + " colliding pairs");
            TransactionManager tm = fs.transactions();
            DirectoryWriter w = new DirectoryWriter();
            try (Transaction tx = tm.begin()) {
                for (byte[] name : names) {
                    w.add(tx, d, name, f, FileType.REGULAR);
                }
                tx.commit();
            }
            try (Transaction tx = tm.begin()) {
                for (int i = 0; i < names.size(); i += 4) {
                    w.remove(tx, d, names.get(i));
                }
                tx.commit();
            }
            DirectoryReader reader = DirectoryReader.of(fs, fs.inode(d));
            for (int i = 0; i < names.size(); i++) {
                assertEquals(i % 4 != 0, reader.lookup(names.get(i)).isPresent(), latin1(names.get(i)));
            }
            setLinks(tm, f, names.size() - (names.size() + 3) / 4 + 1);
        }
        fsck(img);
        String dump = DirImages.run(List.of("debugfs", "-R", "htree_dump /d", img.toString()));
        Matcher m = Pattern.compile("Entry #\\d+: Hash 0x([0-9a-f]+), block").matcher(dump);
        int continued = 0;
        while (m.find()) {
            if ((Long.parseLong(m.group(1), 16) & 1) != 0) {
                continued++;
            }
        }
        assertTrue(continued > 0, "no index entry has the continuation bit");
    }

    private static byte[] collisionName(int i) {
        return bytes("collision-" + "q".repeat(80) + "-" + i);
    }

    // ---- helpers ----

    private Path makeImage(List<String> mkfs, String size) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("f"), "f\n");
        Path img = tmp.resolve("img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(mkfs);
        cmd.addAll(List.of("-d", src.toString(), img.toString(), size));
        Tools.runOk(cmd);
        return img;
    }

    private static long inum(Path img, String path) throws Exception {
        String out = DirImages.run(List.of("debugfs", "-R", "stat " + path, img.toString()));
        Matcher m = Pattern.compile("Inode:\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static void fsck(Path img) {
        Tools.Result r = Tools.run(List.of("e2fsck", "-fn", img.toString()));
        assertEquals(0, r.exitCode(), r.describe("found problems"));
    }

    private static void addNames(TransactionManager tm, DirectoryWriter w, long d, long f, int count, int first,
                                 Random rnd, Set<String> used, Map<String, byte[]> model) {
        int batch = 500;
        for (int start = 0; start < count; start += batch) {
            try (Transaction tx = tm.begin()) {
                for (int i = start; i < Math.min(count, start + batch); i++) {
                    byte[] name = name(first + i, rnd, used);
                    w.add(tx, d, name, f, FileType.REGULAR);
                    model.put(latin1(name), name);
                }
                tx.commit();
            }
        }
    }

    private static final String[] PIECES = {"é", "漢", "a", "😀", "Z", "ß", "-", "ж"};
    private static final String SHORT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=";

    /** A new unused name of length 1 + i % 255 bytes, valid UTF-8, mostly non-ASCII. */
    private static byte[] name(int i, Random rnd, Set<String> used) {
        int len = 1 + i % 255;
        for (int attempt = 0; attempt < 10_000; attempt++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String id = Integer.toString(i, 36) + "." + attempt + ".";
            if (len > id.length()) {
                out.writeBytes(bytes(id));
                int p = rnd.nextInt(PIECES.length);
                while (true) {
                    byte[] piece = bytes(PIECES[p++ % PIECES.length]);
                    if (out.size() + piece.length > len) {
                        break;
                    }
                    out.writeBytes(piece);
                }
                while (out.size() < len) {
                    out.write('x');
                }
            } else {
                for (int k = 0; k < len; k++) {
                    out.write(SHORT.charAt(rnd.nextInt(SHORT.length())));
                }
            }
            byte[] name = out.toByteArray();
            String key = latin1(name);
            if (!key.equals(".") && !key.equals("..") && used.add(key)) {
                return name;
            }
        }
        throw new AssertionError("no unused name of length " + len);
    }

    private static long newDirectory(Transaction tx, InodeAllocator inodes, long parent) {
        long ino = inodes.allocate(tx, parent, true);
        byte[] raw = InodeStore.read(tx, ino).raw();
        LittleEndian.put16(raw, Inode.I_MODE, FileType.DIRECTORY.modeBits() | 0755);
        LittleEndian.put16(raw, Inode.I_LINKS_COUNT, 2);
        if (raw.length > 128) {
            LittleEndian.put16(raw, Inode.I_EXTRA_ISIZE, 32);
        }
        InodeStore.write(tx, ino, raw);
        DirectoryWriter.initialize(tx, ino, parent);
        Inode after = InodeStore.read(tx, ino);
        assertTrue(after.size() > 0);
        if (tx.fileSystem().superblock().hasIncompat(org.ext4j.core.disk.Features.INCOMPAT_INLINE_DATA)) {
            assertTrue(after.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL), "new directories are inline with inline_data");
        }
        return ino;
    }

    private static void setLinks(TransactionManager tm, long ino, int links) {
        try (Transaction tx = tm.begin()) {
            byte[] raw = InodeStore.read(tx, ino).raw();
            LittleEndian.put16(raw, Inode.I_LINKS_COUNT, links);
            InodeStore.write(tx, ino, raw);
            tx.commit();
        }
    }

    private static void addLinks(Transaction tx, long ino, int delta) {
        byte[] raw = InodeStore.read(tx, ino).raw();
        LittleEndian.put16(raw, Inode.I_LINKS_COUNT, LittleEndian.u16(raw, Inode.I_LINKS_COUNT) + delta);
        InodeStore.write(tx, ino, raw);
    }

    /** The names the kernel lists in {@code dir} of a read-only loop mount ("." and ".." left out). */
    private Set<String> kernelList(Path img, String dir) throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        DirImages.run(List.of("mount", "-o", "loop,ro", img.toString(), mnt.toString()));
        try {
            String out = DirImages.run(List.of("ls", "-1", "-a", "-f", mnt.resolve(dir).toString()));
            Set<String> names = new TreeSet<>(List.of(out.split("\n")));
            names.remove(".");
            names.remove("..");
            return names;
        } finally {
            DirImages.run(List.of("umount", "-d", mnt.toString()));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
