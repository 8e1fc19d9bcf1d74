package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

// Checks that the oracles agree: a debugfs export of every mkfs -d image equals its source tree per TreeDiff.
/**
 * What this shows about {@code mkfs.ext4 -d} (1.47.0): it keeps everything TreeDiff compares
 * (contents, modes with setuid/setgid/sticky, owners, hard links, symlinks, device numbers, fifos,
 * sockets, user xattrs) except sub-second mtimes, which it stores as 0 (hence mtimes are compared
 * to the second here), and the root directory's own mtime (the time of mkfs, hence "." is ignored).
 */
class ImageFactoryTest {

    private static final long EXT4_INDEX_FL = 0x1000;

    private static final TreeDiff.Options IMAGE_VS_SOURCE =
            TreeDiff.Options.strict().withMtime(TreeDiff.TimePrecision.SECONDS).ignoring("lost+found", ".");

    @BeforeAll
    static void buildImagesInBackground() {
        ImageFactory.shared().prefetch(EnumSet.allOf(Variant.class));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void debugfsExportEqualsSourceTree(Variant variant, @TempDir Path dir) {
        ImageFactory factory = ImageFactory.shared();
        Path image = factory.image(variant);
        ImageFactory.requireClean(image);

        Path export = dir.resolve("export");
        new Debugfs(image).exportTree(export);

        TreeDiff.assertEqual(factory.source(), export,
                IMAGE_VS_SOURCE.ignoring(variant.knownDifferences().toArray(String[]::new)));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void bigDirectoryIsIndexedWhenDirIndexIsOn(Variant variant) {
        Debugfs debugfs = new Debugfs(ImageFactory.shared().image(variant));
        Debugfs.InodeStat stat = debugfs.stat("/" + SourceTree.HTREE_DIR);
        assertEquals("directory", stat.type());
        if (variant.hasDirIndex()) {
            assertTrue(stat.hasFlag(EXT4_INDEX_FL), "flags 0x" + Long.toHexString(stat.flags()));
            assertTrue(debugfs.htreeDump("/" + SourceTree.HTREE_DIR).contains("Number of entries"));
        } else {
            assertFalse(stat.hasFlag(EXT4_INDEX_FL));
            assertThrows(AssertionError.class, () -> debugfs.htreeDump("/" + SourceTree.HTREE_DIR));
        }
        long names = debugfs.ls("/" + SourceTree.HTREE_DIR).stream()
                .filter(e -> !e.name().equals(".") && !e.name().equals("..")).count();
        assertEquals(ImageFactory.shared().tree().htreeEntries(), names);
    }

    @Test
    void debugfsHelpersReadWhatTheSourceHas() throws IOException {
        ImageFactory factory = ImageFactory.shared();
        Debugfs debugfs = new Debugfs(factory.image(Variant.EXT4));
        Path source = factory.source();

        assertArrayEquals(Files.readAllBytes(source.resolve(SourceTree.BIG_FILE)), debugfs.cat("/" + SourceTree.BIG_FILE));

        Debugfs.InodeStat owned = debugfs.stat("/modes/owned-1001-2002");
        assertEquals(1001, owned.uid());
        assertEquals(2002, owned.gid());
        assertEquals(0640, owned.mode());
        assertEquals("regular", owned.type());
        assertEquals(04755, debugfs.stat("/modes/setuid").mode());
        assertEquals(3, debugfs.stat("/hardlinks/a").links());
        assertEquals("symlink", debugfs.stat("/links/long").type());
        assertEquals("character special", debugfs.stat("/special/char").type());

        // mkfs -d drops nanoseconds: the seconds must still match the source.
        long sourceSeconds = Files.getLastModifiedTime(source.resolve("sizes/size-61")).toInstant().getEpochSecond();
        assertEquals(sourceSeconds, debugfs.stat("/sizes/size-61").mtime().getEpochSecond());

        assertEquals(List.of(), debugfs.blocks("/sparse/all-hole"));
        assertEquals(0, debugfs.bmap("/sparse/hole-start", 0));
        assertTrue(debugfs.bmap("/sparse/hole-start", (1 << 20) / 4096) > 0);

        byte[] big = debugfs.eaList("/xattr/big").get("user.big");
        assertEquals(SourceTree.BIG_XATTR_SIZE, big.length);
        assertTrue(debugfs.stat("/xattr/big").fileAcl() > 0, "the big value lives in an external xattr block");

        List<Debugfs.DirEntry> names = debugfs.ls("/names");
        assertTrue(names.stream().anyMatch(e -> e.name().equals("n".repeat(255))));
        assertTrue(names.stream().anyMatch(e -> e.name().equals("with space")));
    }

    @Test
    void treeDiffSeesEqualTreesAndDifferences(@TempDir Path dir) throws IOException {
        SourceTree small = SourceTree.builder().bigFileBytes(10_000).smallFiles(5).htreeEntries(10).depth(3).build();
        Path a = small.create(dir.resolve("a"));
        Path b = small.create(dir.resolve("b"));
        assertEquals(List.of(), TreeDiff.compare(a, b, TreeDiff.Options.strict()));

        Files.write(b.resolve("sizes/size-60"), new byte[60]);
        Files.delete(b.resolve("hardlinks/b"));
        Files.copy(a.resolve("hardlinks/b"), b.resolve("hardlinks/b"));
        List<String> differences = TreeDiff.compare(a, b, TreeDiff.Options.strict().withMtime(TreeDiff.TimePrecision.IGNORE));
        assertTrue(differences.contains("sizes/size-60: contents differ from byte 0"), differences.toString());
        assertTrue(differences.stream().anyMatch(d -> d.startsWith("hardlinks/b: hard links")), differences.toString());

        Path other = SourceTree.builder().seed(7).bigFileBytes(10_000).smallFiles(5).htreeEntries(10).depth(3).build()
                .create(dir.resolve("other"));
        assertFalse(TreeDiff.compare(a, other, TreeDiff.Options.strict()).isEmpty());
    }
}
