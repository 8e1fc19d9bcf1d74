package org.ext4j.core.inline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.Transaction;
import org.ext4j.core.tx.TransactionManager;
import org.ext4j.core.xattr.XattrWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inline files written, truncated and converted by ext4j in an image made by mkfs.ext4 -O
 * inline_data -d, compared with debugfs (cat, stat, ea_list), a kernel mount and e2fsck; the
 * inline capacity is compared with what the kernel keeps inline.
 */
class InlineDataWriterTest {
    @TempDir
    Path dir;

    /** A stand-in for the extent writer: one extent for block 0 in the (empty) root, i_blocks raised. */
    private static InlineDataWriter.FirstBlockWriter singleExtent(BlockAllocator allocator) {
        return (tx, ino, block) -> {
            long pblk = allocator.allocate(tx, allocator.goalForInode(ino, true), 1, true).get(0).start();
            tx.writeData(pblk, block, 0, block.length);
            byte[] raw = InodeStore.read(tx, ino).raw();
            int root = Inode.I_BLOCK;
            LittleEndian.put16(raw, root + 2, 1);        // eh_entries
            LittleEndian.put32(raw, root + 12, 0);       // ee_block
            LittleEndian.put16(raw, root + 16, 1);       // ee_len
            LittleEndian.put16(raw, root + 18, (int) (pblk >>> 32));
            LittleEndian.put32(raw, root + 20, pblk & 0xFFFFFFFFL);
            LittleEndian.put32(raw, Inode.I_BLOCKS_LO, LittleEndian.u32(raw, Inode.I_BLOCKS_LO) + block.length / 512);
            InodeStore.write(tx, ino, raw);
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i * 7 + seed) % 26);
        }
        return b;
    }

    @Test
    void writeTruncateConvertAndCreate() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("tiny"), bytes("tiny"));
        Files.write(src.resolve("empty"), new byte[0]);
        Files.write(src.resolve("mid"), pattern(100, 1));
        Files.write(src.resolve("noted"), bytes("note"));
        Path img = dir.resolve("i.img");
        ImageFactory.mkfs(img, "32M", "-t", "ext4", "-b", "4096", "-O", "inline_data", "-d", src.toString());

        // The oracle for the capacity: the largest file the kernel keeps inline in this image.
        int kernelMax = kernelInlineLimit(img);

        Map<String, byte[]> expect = new LinkedHashMap<>();
        Map<String, Long> ino = new LinkedHashMap<>();
        for (String f : List.of("tiny", "empty", "mid", "noted")) {
            ino.put(f, new Debugfs(img).stat("/" + f).ino());
        }
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            BlockAllocator allocator = new BlockAllocator(new GroupAccounting(fs));
            InlineDataWriter w = new InlineDataWriter();
            assertEquals(kernelMax, InlineDataWriter.maxInlineSize(fs, fs.inode(ino.get("tiny"))));

            try (Transaction tx = tm.begin()) {
                long t = ino.get("tiny");
                assertTrue(w.writeInline(tx, t, 2, bytes("XYZW"), 0, 4));
                // Past i_block: system.data grows to exactly what lies beyond byte 60; the gap reads as zeros.
                assertTrue(w.writeInline(tx, t, 50, pattern(20, 3), 0, 20));
                assertEquals(70, InodeStore.read(tx, t).size());
                byte[] e = new byte[70];
                System.arraycopy(bytes("tiXYZW"), 0, e, 0, 6);
                System.arraycopy(pattern(20, 3), 0, e, 50, 20);
                assertArrayEquals(e, InlineData.content(fs, InodeStore.read(tx, t)));
                assertEquals(70, InlineData.capacity(fs, InodeStore.read(tx, t)));

                long m = ino.get("mid");
                byte[] full = pattern(kernelMax, 5);
                assertTrue(w.writeInline(tx, m, 0, full, 0, full.length));
                assertFalse(w.writeInline(tx, m, kernelMax - 10, new byte[11], 0, 11), "one byte past the capacity");
                assertArrayEquals(full, InlineData.content(fs, InodeStore.read(tx, m)));
                tx.commit();
                expect.put("mid", full);
                byte[] tiny = e;
                expect.put("tiny", tiny);
            }

            try (Transaction tx = tm.begin()) {
                long t = ino.get("tiny");
                assertFalse(w.truncate(tx, t, 100), "growing by truncate converts, as the kernel does");
                assertTrue(w.truncate(tx, t, 65));
                assertEquals(65, InlineData.capacity(fs, InodeStore.read(tx, t)));
                assertTrue(w.truncate(tx, t, 51));
                assertEquals(60, InlineData.capacity(fs, InodeStore.read(tx, t)));
                byte[] iBlock = InodeStore.read(tx, t).iBlock();
                assertArrayEquals(new byte[9], Arrays.copyOfRange(iBlock, 51, 60), "i_block zeroed past the new size");
                tx.commit();
                expect.put("tiny", Arrays.copyOf(expect.get("tiny"), 51));
            }

            try (Transaction tx = tm.begin()) {
                long m = ino.get("mid");
                w.convertToBlocks(tx, m, singleExtent(allocator));
                Inode after = InodeStore.read(tx, m);
                assertFalse(after.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
                assertTrue(after.hasFlag(InodeFlags.EXT4_EXTENTS_FL));
                assertEquals(kernelMax, after.size());

                // An empty inline file converts without a block, and create() makes it inline again.
                long em = ino.get("empty");
                w.convertToBlocks(tx, em, (x, i, b) -> {
                    throw new AssertionError("no block for an empty file");
                });
                assertFalse(InodeStore.read(tx, em).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
                assertTrue(w.create(tx, em));
                assertTrue(w.writeInline(tx, em, 0, bytes("hello"), 0, 5));
                Ext4Exception again = assertThrows(Ext4Exception.class, () -> w.create(tx, em));
                assertEquals(Errno.EINVAL, again.errno());
                tx.commit();
                expect.put("empty", bytes("hello"));
            }

            // Another in-body xattr takes room from the inline data; the limit still holds exactly.
            try (Transaction tx = tm.begin()) {
                long n = ino.get("noted");
                new XattrWriter(allocator).set(tx, n, "user.note", new byte[20], XattrWriter.SetMode.CREATE_ONLY);
                int max = InlineDataWriter.maxInlineSize(fs, InodeStore.read(tx, n));
                // 20 bytes of value and a 20-byte entry ("note") less than the kernel's limit.
                assertEquals(kernelMax - 40, max);
                assertFalse(w.writeInline(tx, n, 0, new byte[max + 1], 0, max + 1));
                byte[] v = pattern(max, 9);
                assertTrue(w.writeInline(tx, n, 0, v, 0, v.length));
                tx.commit();
                expect.put("noted", v);
            }
        }
        ImageFactory.requireClean(img);

        Debugfs debugfs = new Debugfs(img);
        for (Map.Entry<String, byte[]> e : expect.entrySet()) {
            assertArrayEquals(e.getValue(), debugfs.cat("/" + e.getKey()), "debugfs cat /" + e.getKey());
        }
        assertTrue(debugfs.stat("/tiny").hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
        assertFalse(debugfs.stat("/mid").hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
        assertEquals(List.of(0), debugfs.eaList("/tiny").values().stream().map(b -> b.length).toList(), "system.data shrank to 0");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tools.runOk(List.of("mount", "-o", "loop,ro", img.toString(), mnt.toString()));
        try {
            for (Map.Entry<String, byte[]> e : expect.entrySet()) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(mnt.resolve(e.getKey())), "kernel read of " + e.getKey());
            }
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
    }

    /** Through a kernel mount of a copy: the largest size a new file written in one go stays inline at. */
    private int kernelInlineLimit(Path img) throws Exception {
        Path copy = dir.resolve("probe.img");
        Files.copy(img, copy);
        Path mnt = Files.createDirectories(dir.resolve("probe"));
        Tools.runOk(List.of("mount", "-o", "loop", copy.toString(), mnt.toString()));
        try {
            for (int n = 100; n <= 200; n++) {
                Files.write(mnt.resolve("p" + n), new byte[n]);
            }
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
        Debugfs debugfs = new Debugfs(copy);
        int max = 0;
        for (int n = 100; n <= 200; n++) {
            if (debugfs.stat("/p" + n).hasFlag(InodeFlags.EXT4_INLINE_DATA_FL)) {
                max = n;
            }
        }
        Files.delete(copy);
        assertTrue(max > 100, "the kernel keeps some of the probes inline");
        return max;
    }
}
