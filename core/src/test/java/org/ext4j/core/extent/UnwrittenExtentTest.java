package org.ext4j.core.extent;

import static org.ext4j.core.extent.BlockMapChecks.leafExtents;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unwritten (fallocated) extents, made by the kernel: mkfs cannot create them. Needs root and a
 * free loop device; the image is unmounted (and its loop device released) even when a step fails.
 */
class UnwrittenExtentTest {
    private static final int WRITE_AT = 300_000;
    private static final byte[] WRITTEN = WriteFixture.pattern(10_000, 7);

    @TempDir
    static Path dir;
    static Path img;

    @BeforeAll
    static void fallocateWithTheKernel() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        img = ImageFactory.mkfs(dir.resolve("unwritten.img"), "32M", "-t", "ext4", "-d", empty.toString());
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Tools.runOk(List.of("mount", "-o", "loop", img.toString(), mnt.toString()));
        try {
            Tools.runOk(List.of("fallocate", "-l", "1M", mnt.resolve("f").toString()));
            BlockMapChecks.writeAt(mnt.resolve("f"), WRITE_AT, WRITTEN);
            // Preallocated past i_size (KEEP_SIZE): the extent exists, the bytes are beyond EOF.
            BlockMapChecks.writeAt(mnt.resolve("g"), 0, WriteFixture.pattern(1000, 8));
            Tools.runOk(List.of("fallocate", "-n", "-o", "0", "-l", "256K", mnt.resolve("g").toString()));
            Tools.runOk(List.of("sync", "-f", mnt.resolve("f").toString()));
        } finally {
            Tools.runOk(List.of("umount", mnt.toString()));
        }
    }

    @Test
    void extentKindsMatchDumpExtents() throws Exception {
        List<Mapping> want = leafExtents(new Debugfs(img).extents("/f"));
        assertTrue(want.stream().anyMatch(m -> m.kind() == Mapping.Kind.UNWRITTEN), "debugfs shows no Uninit extent: " + want);
        assertTrue(want.stream().anyMatch(m -> m.kind() == Mapping.Kind.MAPPED), "debugfs shows no written extent: " + want);
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            ExtentTree tree = (ExtentTree) BlockMap.of(fs, fs.inode(new Debugfs(img).stat("/f").ino()));
            assertEquals(want, tree.extents());
            for (Mapping extent : want) {
                Mapping got = tree.map(extent.lblk(), Long.MAX_VALUE);
                assertEquals(extent, got, "map at the start of " + extent);
            }
        }
    }

    @Test
    void unwrittenReadsAsZerosAroundTheWrittenPart() throws Exception {
        byte[] want = new byte[1 << 20];
        System.arraycopy(WRITTEN, 0, want, WRITE_AT, WRITTEN.length);
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            // Poison the buffer: zeros must be written for unwritten ranges, not left over.
            byte[] got = new byte[want.length];
            java.util.Arrays.fill(got, (byte) 0x77);
            FileContent content = new FileContent(fs, fs.inode(new Debugfs(img).stat("/f").ino()));
            assertEquals(want.length, content.read(0, got, 0, got.length));
            assertArrayEquals(want, got);
        }
    }

    @Test
    void preallocationPastEndOfFileIsNotRead() throws Exception {
        try (Ext4FileSystem fs = BlockMapChecks.open(img)) {
            var inode = fs.inode(new Debugfs(img).stat("/g").ino());
            assertEquals(1000, inode.size());
            byte[] got = new byte[4096];
            assertEquals(1000, FileContent.read(fs, inode, 0, got, 0, got.length));
            assertArrayEquals(WriteFixture.pattern(1000, 8), java.util.Arrays.copyOf(got, 1000));
            assertEquals(0, FileContent.read(fs, inode, 1000, got, 0, got.length));
            List<Mapping> extents = ((ExtentTree) BlockMap.of(fs, inode)).extents();
            assertEquals(leafExtents(new Debugfs(img).extents("/g")), extents);
            assertTrue(extents.stream().mapToLong(Mapping::lblkEnd).max().orElse(0) >= 64, "256K preallocated: " + extents);
        }
    }
}
