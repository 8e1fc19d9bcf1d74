package org.ext4j.core.inline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Random;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.inode.InodeFlags;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.xattr.XattrReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inline file and directory content from mkfs.ext4 -O inline_data images, against the source tree and debugfs stat. */
class InlineDataTest {
    static final int[] SIZES = {0, 1, 59, 60, 61, 100, 128, 129, 150};
    @TempDir
    static Path dir;
    static Path src;
    static Path img;

    @BeforeAll
    static void buildImage() throws Exception {
        src = Files.createDirectory(dir.resolve("src"));
        Random rnd = new Random(5);
        for (int n : SIZES) {
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            Files.write(src.resolve("f" + n), b);
        }
        Path tagged = Files.writeString(src.resolve("tagged"), "inline file that also has a user xattr");
        Files.getFileAttributeView(tagged, UserDefinedFileAttributeView.class)
                .write("tag", ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8)));
        Path d = Files.createDirectory(src.resolve("d"));
        Files.writeString(d.resolve("a"), "a");
        Files.writeString(d.resolve("bb"), "bb");
        img = dir.resolve("inline.img");
        ImageFactory.mkfs(img, "32M", "-t", "ext4", "-b", "4096", "-I", "256", "-O", "inline_data", "-d", src.toString());
    }

    static Ext4FileSystem open(Path image) throws Exception {
        return Ext4FileSystem.open(FileBlockDevice.open(image, true), OpenOptions.READ_ONLY);
    }

    /** debugfs's "Size of inline data" for {@code path}, or -1 when it is not inline. */
    static int debugfsInlineSize(Path image, String path) throws Exception {
        String stat = new Debugfs(image).run("stat " + path);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Size of inline data: (\\d+)").matcher(stat);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Test
    void inlineFilesReadLikeTheSource() throws Exception {
        int inlineCount = 0;
        try (Ext4FileSystem fs = open(img)) {
            for (String name : names()) {
                Inode inode = fs.inode(new Debugfs(img).stat("/" + name).ino());
                int inlineSize = debugfsInlineSize(img, "/" + name);
                assertEquals(inlineSize >= 0, inode.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL), name);
                if (inlineSize < 0) {
                    assertEquals(Errno.EINVAL, assertThrows(Ext4Exception.class, () -> InlineData.content(fs, inode)).errno());
                    continue;
                }
                inlineCount++;
                assertArrayEquals(Files.readAllBytes(src.resolve(name)), InlineData.content(fs, inode), name);
                assertEquals(inlineSize, InlineData.capacity(fs, inode), "inline capacity of " + name);
            }
            Inode tagged = fs.inode(new Debugfs(img).stat("/tagged").ino());
            assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), new XattrReader(fs).get(tagged, "user.tag").orElseThrow());
            assertFalse(new XattrReader(fs).names(tagged).contains("system.data"), "system.data is hidden from listxattr");
        }
        assertTrue(inlineCount >= 8, "sizes up to 128 fit a 256-byte inode: " + inlineCount);
    }

    static java.util.List<String> names() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int n : SIZES) {
            names.add("f" + n);
        }
        names.add("tagged");
        return names;
    }

    @Test
    void inlineDirectoriesReturnEverything() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            Inode d = fs.inode(new Debugfs(img).stat("/d").ino());
            assertTrue(d.hasFlag(InodeFlags.EXT4_INLINE_DATA_FL));
            byte[] content = InlineData.content(fs, d);
            assertEquals(debugfsInlineSize(img, "/d"), content.length);
            // An inline directory starts with its parent's inode number instead of "." and "..".
            assertEquals(2, LittleEndian.u32(content, 0));
            String text = new String(content, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("bb"), "entry names are in the inline content");
        }
    }

    /**
     * An i_size beyond what the inode holds: the kernel (ext4_read_inline_folio) copies the inline
     * bytes and zero-fills the rest of the page, e2fsck accepts it (mkfs -d makes such files), so
     * the content is the inline bytes and the reader pads with zeros.
     */
    @Test
    void sizeBeyondTheInlineAreaGivesTheInlineBytes() throws Exception {
        Path copy = dir.resolve("bad-size.img");
        Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        new Debugfs(copy).write(List.of("sif /f61 size 500"));
        try (Ext4FileSystem fs = open(copy)) {
            Inode inode = fs.inode(new Debugfs(copy).stat("/f61").ino());
            byte[] content = InlineData.content(fs, inode);
            assertEquals(InlineData.capacity(fs, inode), content.length);
            assertArrayEquals(java.util.Arrays.copyOf(Files.readAllBytes(src.resolve("f61")), content.length), content);
        }
    }

    @Test
    void missingSystemDataIsCorruption() throws Exception {
        try (Ext4FileSystem fs = open(img)) {
            Inode good = fs.inode(new Debugfs(img).stat("/f1").ino());
            byte[] raw = good.raw();
            // Wipe the in-inode xattr magic: the inode then has no system.data.
            java.util.Arrays.fill(raw, 128 + good.extraIsize(), 128 + good.extraIsize() + 4, (byte) 0);
            Inode bad = new Inode(good.ino(), raw, fs.csumSeed());
            assertThrows(CorruptionException.class, () -> InlineData.content(fs, bad));
        }
    }
}
