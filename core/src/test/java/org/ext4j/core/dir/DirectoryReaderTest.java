package org.ext4j.core.dir;

import static org.ext4j.core.testing.Damage.assertDamage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.extent.BlockMap;
import org.ext4j.core.extent.Mapping;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.htree.DirHash;
import org.ext4j.core.htree.DxBlock;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lists and looks up directories of images made by mkfs.ext4 -d and indexed by e2fsck -fyD, and
 * compares with debugfs; checks that lookups go through the index and that damage is reported.
 */
class DirectoryReaderTest {
    private static final List<String> DIRS = List.of("small", "names", "big", "empty");

    /** Image variants: mkfs options and the adjustments made before e2fsck -fyD builds the indexes. */
    enum Variant {
        EXT4(List.of(), List.of(), DirHash.HALF_MD4),
        NO_METADATA_CSUM(List.of("-O", "^metadata_csum"), List.of(), DirHash.HALF_MD4),
        BLOCK_1024(List.of("-b", "1024"), List.of(), DirHash.HALF_MD4),
        INLINE_DATA(List.of("-O", "inline_data"), List.of(), DirHash.HALF_MD4),
        EXT2(List.of("-t", "ext2"), List.of(), DirHash.HALF_MD4),
        TEA(List.of(), List.of(List.of("tune2fs", "-E", "hash_alg=tea")), DirHash.TEA),
        LEGACY(List.of(), List.of(List.of("tune2fs", "-E", "hash_alg=legacy")), DirHash.LEGACY),
        UNSIGNED_HASH(List.of(), List.of(List.of("debugfs", "-w", "-R", "ssv flags 2")), DirHash.HALF_MD4_UNSIGNED),
        NO_DIR_INDEX(List.of("-O", "^dir_index"), List.of(), -1);

        final List<String> mkfsArgs;
        final List<List<String>> adjustments;
        /** The hash version lookups must use in /big, or -1 when it is not indexed. */
        final int hashVersion;

        Variant(List<String> mkfsArgs, List<List<String>> adjustments, int hashVersion) {
            this.mkfsArgs = mkfsArgs;
            this.adjustments = adjustments;
            this.hashVersion = hashVersion;
        }
    }

    @TempDir
    static Path tmp;
    private static Path src;
    private static final Map<Variant, Path> IMAGES = new ConcurrentHashMap<>();

    @BeforeAll
    static void makeImages() throws Exception {
        src = DirImages.makeTree(tmp);
        // Building the images dominates the run time; they are independent, so build them side by side.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            List<Future<Path>> images = new ArrayList<>();
            for (Variant v : Variant.values()) {
                images.add(pool.submit(() -> DirImages.makeImage(tmp, v.name(), src, v.mkfsArgs, v.adjustments)));
            }
            for (Variant v : Variant.values()) {
                IMAGES.put(v, images.get(v.ordinal()).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Path image(Variant v) {
        return IMAGES.get(v);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void listingAndLookupMatchDebugfs(Variant v) throws Exception {
        Path img = image(v);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            for (String name : DIRS) {
                Inode dir = fs.inode(DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO)).lookup(name).orElseThrow().ino());
                DirectoryReader reader = DirectoryReader.of(fs, dir);
                List<DirEntry> entries = reader.list();
                List<DirImages.Listed> expected = DirImages.debugfsList(img, "/" + name);
                assertEquals(expected.size(), entries.size(), v + " /" + name + " entry count");
                for (int i = 0; i < expected.size(); i++) {
                    DirEntry e = entries.get(i);
                    DirImages.Listed x = expected.get(i);
                    String what = v + " /" + name + " entry " + i + " (" + x.nameLatin1() + ")";
                    assertEquals(x.nameLatin1(), new String(e.name(), StandardCharsets.ISO_8859_1), what);
                    assertEquals(x.ino(), e.ino(), what);
                    assertEquals(x.type(), e.fileType(), what);
                    // A linear lookup costs the whole directory: sample the big unindexed one.
                    if (reader.isIndexed() || entries.size() < 1000 || i % 10 == 0) {
                        assertEquals(e, reader.lookup(e.name()).orElse(null), "lookup of " + what);
                    }
                }
                assertTrue(reader.lookup("no such name").isEmpty());
                assertTrue(reader.lookup("entry-00001-").isEmpty(), "a prefix of a real name is not that name");
                byte[] longAbsent = new byte[255];
                Arrays.fill(longAbsent, (byte) 'q');
                assertTrue(reader.lookup(longAbsent).isEmpty());
                if (name.equals("big")) {
                    assertEquals(DirImages.BIG_ENTRIES + 2, entries.size());
                    assertEquals(v.hashVersion >= 0, reader.isIndexed(), v + " /big indexed");
                    if (v.hashVersion >= 0) {
                        assertEquals(v.hashVersion, reader.openIndex().hashVersion());
                        String dump = DirImages.run(List.of("debugfs", "-R", "htree_dump /big", img.toString()));
                        assertTrue(dump.contains("Root node dump"), v + ": debugfs sees an htree in /big");
                    }
                }
                if (v == Variant.INLINE_DATA && (name.equals("small") || name.equals("empty"))) {
                    assertTrue(reader.isInline(), "/" + name + " is inline");
                }
            }
        }
    }

    @Test
    void lookupReadsOnlyTheIndexPathAndOneLeaf() throws Exception {
        for (Variant v : List.of(Variant.EXT4, Variant.BLOCK_1024)) {
            Path img = image(v);
            CountingDevice device = new CountingDevice(FileBlockDevice.open(img, true));
            try (Ext4FileSystem fs = Ext4FileSystem.open(device, OpenOptions.READ_ONLY)) {
                Inode big = fs.inode(DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO)).lookup("big").orElseThrow().ino());
                DirectoryReader reader = DirectoryReader.of(fs, big);
                int levels = reader.openIndex().indirectLevels();
                if (v == Variant.BLOCK_1024) {
                    assertEquals(1, levels, "5000 entries in 1 KiB blocks need a dx_node level");
                }
                Set<Long> dirBlocks = physicalBlocks(fs, big);
                assertTrue(dirBlocks.size() > 10 * (levels + 2), v + ": /big has " + dirBlocks.size() + " blocks");
                List<DirEntry> entries = reader.list();
                for (int i = 2; i < entries.size(); i += 97) {
                    DirEntry e = entries.get(i);
                    device.reads.clear();
                    assertEquals(e, DirectoryReader.of(fs, big).lookup(e.name()).orElseThrow());
                    long dirReads = device.reads.stream().filter(off -> dirBlocks.contains(off / fs.blockSize())).count();
                    assertTrue(dirReads <= levels + 2, v + ": lookup of " + e.nameString() + " read " + dirReads
                            + " directory blocks");
                }
            }
        }
    }

    @Test
    void readdirResumesAtOffsets() throws Exception {
        Path img = image(Variant.EXT4);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            Inode big = fs.inode(DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO)).lookup("big").orElseThrow().ino());
            DirectoryReader reader = DirectoryReader.of(fs, big);
            List<DirEntry> all = reader.list();
            assertEquals(0, all.get(0).offset());
            assertEquals(".", all.get(0).nameString());
            assertEquals(12, all.get(1).offset());
            assertEquals("..", all.get(1).nameString());
            for (int k = 0; k < all.size() - 1; k += 313) {
                List<DirEntry> after = new ArrayList<>();
                assertFalse(reader.readdir(all.get(k).offset() + 1, e -> after.add(e) && after.size() < 3));
                assertEquals(all.subList(k + 1, Math.min(k + 4, all.size())), after);
                List<DirEntry> from = new ArrayList<>();
                reader.readdir(all.get(k).offset(), e -> from.add(e) && from.size() < 1);
                assertEquals(all.get(k), from.get(0));
            }
            List<DirEntry> rest = new ArrayList<>();
            assertTrue(reader.readdir(all.get(all.size() - 1).offset(), rest::add));
            assertEquals(List.of(all.get(all.size() - 1)), rest);
        }
    }

    @Test
    void inlineDirectoryPositionsAndDots() throws Exception {
        Path img = image(Variant.INLINE_DATA);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            DirectoryReader root = DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO));
            DirEntry small = root.lookup("small").orElseThrow();
            DirectoryReader reader = DirectoryReader.of(fs, fs.inode(small.ino()));
            assertTrue(reader.isInline());
            List<DirEntry> all = reader.list();
            assertEquals(new DirEntry(small.ino(), new byte[] {'.'}, FileType.DIRECTORY, 0), all.get(0));
            assertEquals(new DirEntry(Inode.ROOT_INO, new byte[] {'.', '.'}, FileType.DIRECTORY, 12), all.get(1));
            assertEquals(24, all.get(2).offset(), "the first stored dirent, right after the parent number");
            List<DirEntry> tail = new ArrayList<>();
            reader.readdir(all.get(1).offset() + 1, tail::add);
            assertEquals(all.subList(2, all.size()), tail);
            assertEquals(Inode.ROOT_INO, reader.lookup("..").orElseThrow().ino());
        }
    }

    @Test
    void rejectsOverlongNamesAndNonDirectories() throws Exception {
        Path img = image(Variant.EXT4);
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, true), OpenOptions.READ_ONLY)) {
            DirectoryReader root = DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO));
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> root.lookup(new byte[256]));
            assertEquals(Errno.ENAMETOOLONG, e.errno());
            DirectoryReader small = DirectoryReader.of(fs, fs.inode(root.lookup("small").orElseThrow().ino()));
            Inode hello = fs.inode(small.lookup("hello").orElseThrow().ino());
            e = assertThrows(Ext4Exception.class, () -> DirectoryReader.of(fs, hello));
            assertEquals(Errno.ENOTDIR, e.errno());
        }
    }

    @Test
    void leafChecksumMismatchIsCorruption() throws Exception {
        Damaged d = damage(Variant.EXT4, 3, (block, bs) -> block[20] ^= 0x01);
        assertThrows(CorruptionException.class, d.reader()::list);
        assertThrows(CorruptionException.class, () -> d.reader().lookup(d.victim()));
    }

    @Test
    void dxRootChecksumMismatchIsCorruption() throws Exception {
        Damaged d = damage(Variant.EXT4, 0, (block, bs) -> block[DxBlock.ROOT_ENTRIES + 12] ^= 0x01);
        assertThrows(CorruptionException.class, () -> d.reader().lookup("entry-00000-"));
    }

    @Test
    void badRecLenIsCorruption() throws Exception {
        Damaged d = damage(Variant.NO_METADATA_CSUM, 3, (block, bs) -> LittleEndian.put16(block, 4, 6));
        CorruptionException e = assertThrows(CorruptionException.class, d.reader()::list);
        assertDamage(e, CorruptionException.Structure.DIRECTORY);
        Damaged past = damage(Variant.NO_METADATA_CSUM, 3, (block, bs) -> LittleEndian.put16(block, 4, bs + 4));
        assertThrows(CorruptionException.class, past.reader()::list);
    }

    @Test
    void slashInNameIsCorruption() throws Exception {
        Damaged d = damage(Variant.NO_METADATA_CSUM, 3, (block, bs) -> block[8] = '/');
        assertThrows(CorruptionException.class, d.reader()::list);
    }

    @Test
    void badIndexHeaderIsCorruption() throws Exception {
        Damaged count = damage(Variant.NO_METADATA_CSUM, 0,
                (block, bs) -> LittleEndian.put16(block, DxBlock.ROOT_ENTRIES + DxBlock.COUNT, 0xffff));
        assertThrows(CorruptionException.class, () -> count.reader().lookup("entry-00000-"));
        Damaged levels = damage(Variant.NO_METADATA_CSUM, 0, (block, bs) -> block[DxBlock.INFO_INDIRECT_LEVELS] = 5);
        CorruptionException e = assertThrows(CorruptionException.class, () -> levels.reader().lookup("entry-00000-"));
        assertDamage(e, CorruptionException.Structure.HTREE);
        Damaged leaf = damage(Variant.NO_METADATA_CSUM, 0, (block, bs) -> {
            int n = LittleEndian.u16(block, DxBlock.ROOT_ENTRIES + DxBlock.COUNT);
            for (int i = 0; i < n; i++) {
                LittleEndian.put32(block, DxBlock.ROOT_ENTRIES + i * DxBlock.ENTRY_SIZE + DxBlock.ENTRY_BLOCK, 1 << 20);
            }
        });
        e = assertThrows(CorruptionException.class, () -> leaf.reader().lookup("entry-00000-"));
        assertDamage(e, CorruptionException.Structure.HTREE);
        Damaged loop = damage(Variant.NO_METADATA_CSUM, 0, (block, bs) -> {
            int n = LittleEndian.u16(block, DxBlock.ROOT_ENTRIES + DxBlock.COUNT);
            for (int i = 0; i < n; i++) {
                LittleEndian.put32(block, DxBlock.ROOT_ENTRIES + i * DxBlock.ENTRY_SIZE + DxBlock.ENTRY_BLOCK, 0);
            }
        });
        assertThrows(CorruptionException.class, () -> loop.reader().lookup("entry-00000-"));
    }

    /** Modifies one block of /big in a memory copy of an image. */
    @FunctionalInterface
    private interface BlockEdit {
        void edit(byte[] block, int blockSize);
    }

    private record Damaged(DirectoryReader reader, byte[] victim) {
    }

    private static Damaged damage(Variant v, long lblk, BlockEdit edit) throws Exception {
        byte[] bytes = Files.readAllBytes(image(v));
        long pblk;
        int bs;
        byte[] victim;
        try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(bytes, true), OpenOptions.READ_ONLY)) {
            bs = fs.blockSize();
            Inode big = fs.inode(DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO)).lookup("big").orElseThrow().ino());
            pblk = BlockMap.of(fs, big).map(lblk, 1).pblk();
            DirectoryReader reader = DirectoryReader.of(fs, big);
            victim = reader.list().stream().filter(e -> e.offset() / fs.blockSize() == lblk)
                    .map(DirEntry::name).findFirst().orElse(new byte[] {'x'});
        }
        byte[] block = Arrays.copyOfRange(bytes, (int) (pblk * bs), (int) (pblk * bs + bs));
        edit.edit(block, bs);
        System.arraycopy(block, 0, bytes, (int) (pblk * bs), bs);
        Ext4FileSystem fs = Ext4FileSystem.open(new MemoryBlockDevice(bytes, true), OpenOptions.READ_ONLY);
        Inode big = fs.inode(DirectoryReader.of(fs, fs.inode(Inode.ROOT_INO)).lookup("big").orElseThrow().ino());
        return new Damaged(DirectoryReader.of(fs, big), victim);
    }

    private static Set<Long> physicalBlocks(Ext4FileSystem fs, Inode dir) {
        Set<Long> blocks = new HashSet<>();
        BlockMap map = BlockMap.of(fs, dir);
        long n = (dir.size() + fs.blockSize() - 1) / fs.blockSize();
        for (long lblk = 0; lblk < n; ) {
            Mapping m = map.map(lblk, n - lblk);
            for (long i = 0; m.isAllocated() && i < m.length(); i++) {
                blocks.add(m.pblk() + i);
            }
            lblk = m.lblkEnd();
        }
        return blocks;
    }

    /** Records the byte offset of every read. */
    private static final class CountingDevice extends ForwardingBlockDevice {
        final List<Long> reads = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger total = new AtomicInteger();

        CountingDevice(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
            reads.add(offset);
            total.incrementAndGet();
            inner().read(offset, dst, dstOff, len);
        }
    }
}
