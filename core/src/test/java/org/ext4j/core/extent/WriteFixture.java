package org.ext4j.core.extent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.ext4j.core.alloc.BlockAllocator;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.BlockDevice;
import org.ext4j.core.io.ForwardingBlockDevice;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.tx.TransactionManager;

/**
 * An image made by mkfs.ext4 -d from a few files, opened read-write, and the oracles the write
 * tests compare against: e2fsck -fn, debugfs (dump, ex, stat) and a kernel read-only mount.
 */
final class WriteFixture implements AutoCloseable {
    final Path image;
    final Ext4FileSystem fs;
    final TransactionManager tm;
    final BlockAllocator allocator;
    final CountingDevice device;

    private WriteFixture(Path image) throws IOException {
        this.image = image;
        this.device = new CountingDevice(FileBlockDevice.open(image, false));
        this.fs = Ext4FileSystem.open(device, OpenOptions.READ_WRITE);
        this.tm = fs.transactions();
        this.allocator = new BlockAllocator(new GroupAccounting(fs));
    }

    /** mkfs.ext4 with {@code options} populated from {@code files} (name → content) and opened read-write. */
    static WriteFixture create(Path dir, String size, String options, Map<String, byte[]> files) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(src.resolve(f.getKey()), f.getValue());
        }
        Path img = ImageFactory.mkfs(dir.resolve("test.img"), size, (options + " -d " + src).split(" "));
        return new WriteFixture(img);
    }

    /** Closes and reopens the filesystem (a fresh cache: everything read comes from the disk). */
    WriteFixture reopen() throws IOException {
        fs.close();
        return new WriteFixture(image);
    }

    long ino(String name) {
        return new Debugfs(image).lookup("/" + name).orElseThrow();
    }

    /** e2fsck -fn must find nothing to fix. */
    void assertClean() {
        ImageFactory.requireClean(image);
    }

    byte[] dump(String name) {
        return new Debugfs(image).cat("/" + name);
    }

    long blockCount(String name) {
        return new Debugfs(image).stat("/" + name).blockCount();
    }

    /** The leaf extents debugfs "dump_extents" prints, as mappings. */
    List<Mapping> debugfsExtents(String name) {
        return BlockMapChecks.leafExtents(new Debugfs(image).extents("/" + name));
    }

    /** The tree depth debugfs "dump_extents" shows (the level count of its lines), 0 for an empty tree. */
    int debugfsDepth(String name) {
        return new Debugfs(image).extents("/" + name).stream().mapToInt(Debugfs.ExtentLine::maxLevel).max().orElse(0);
    }

    /** The file as the kernel reads it through a read-only loop mount; null when mounting is impossible here. */
    static Map<String, byte[]> kernelRead(Path image, List<String> names) throws IOException {
        Path mnt = Files.createTempDirectory("ext4j-mnt");
        try {
            Tools.Result mount = Tools.run(List.of("mount", "-o", "loop,ro", image.toString(), mnt.toString()));
            if (mount.exitCode() != 0) {
                return null;
            }
            try {
                Map<String, byte[]> out = new java.util.HashMap<>();
                for (String n : names) {
                    out.put(n, Files.readAllBytes(mnt.resolve(n)));
                }
                return out;
            } finally {
                Tools.run(List.of("umount", mnt.toString())).requireExit(0);
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
    }

    static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static String firstDifference(byte[] expected, byte[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                return "first difference at byte " + i + " (expected " + expected[i] + ", got " + actual[i] + "), lengths "
                        + expected.length + "/" + actual.length;
            }
        }
        return expected.length == actual.length ? "equal" : "lengths " + expected.length + "/" + actual.length;
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }

    /** Passes everything to a device and counts the writes. */
    static final class CountingDevice extends ForwardingBlockDevice {
        long writes;
        /** Writes longer than 64 KiB: file data runs (metadata goes block by block). */
        long bulkWrites;

        CountingDevice(BlockDevice inner) {
            super(inner);
        }

        @Override
        public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
            writes++;
            if (len > 65536) {
                bulkWrites++;
            }
            inner().write(offset, src, srcOff, len);
        }
    }
}
