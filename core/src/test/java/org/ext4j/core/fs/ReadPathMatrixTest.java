package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole read path against two oracles nobody here wrote, for every image in the matrix:
 * the source tree mkfs.ext4 -d was given (content, types, sizes, modes, owners, times, symlink
 * targets, hard links, xattrs, device numbers) and debugfs on the same image (inode numbers,
 * directory listings, link counts, block counts, xattr lists).
 */
class ReadPathMatrixTest {

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everythingReadMatchesTheSourceTreeAndDebugfs(Variant variant) throws Exception {
        ImageFactory images = ImageFactory.shared();
        Path image = images.image(variant);
        Path source = images.source();
        Debugfs debugfs = new Debugfs(image);
        int compared = 0;
        try (PosixFileSystem vol = PosixFileSystem.open(image, OpenOptions.READ_ONLY)) {
            List<Path> paths;
            try (Stream<Path> s = Files.walk(source)) {
                paths = s.sorted().toList();
            }
            Map<Object, Long> inodeOfSourceFile = new java.util.HashMap<>();
            for (Path p : paths) {
                String rel = "/" + source.relativize(p).toString().replace('\\', '/');
                if (rel.equals("/") || variant.knownDifferences().contains(rel.substring(1))) {
                    continue; // mkfs -d itself mangles these (ImageFactory.Variant#knownDifferences)
                }
                Attributes a = resolve(vol, rel);
                PosixFileAttributes sa = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String where = variant + " " + rel;
                int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                assertEquals(FileType.fromMode(mode), a.type(), where);
                assertEquals(mode & 07777, a.permissions(), where);
                assertEquals(((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue(), a.uid(), where);
                assertEquals(((Number) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue(), a.gid(), where);
                assertEquals(sa.lastModifiedTime().toInstant().getEpochSecond(), a.mtime().seconds(), where);
                // Hard links: the same source inode must map to the same ext4 inode.
                Object key = sa.fileKey();
                Long seen = inodeOfSourceFile.putIfAbsent(key, a.ino());
                if (seen != null && a.type() != FileType.DIRECTORY) {
                    assertEquals(seen, a.ino(), where + " is a hard link of an earlier name");
                }
                switch (a.type()) {
                    case REGULAR -> {
                        assertEquals(sa.size(), a.size(), where);
                        assertArrayEquals(Files.readAllBytes(p), readAll(vol, a), where);
                    }
                    case SYMLINK -> assertEquals(Files.readSymbolicLink(p).toString(),
                            new String(vol.readlink(a.ino()), StandardCharsets.UTF_8), where);
                    case DIRECTORY -> assertEquals(sourceListing(p), listing(vol, a.ino()), where);
                    case CHAR_DEVICE, BLOCK_DEVICE -> {
                        long rdev = ((Number) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue();
                        assertEquals((rdev >> 8) & 0xfff, a.rdevMajor(), where);
                        assertEquals((rdev & 0xff) | ((rdev >> 12) & 0xfff00), a.rdevMinor(), where);
                    }
                    default -> { }
                }
                if (a.type() == FileType.REGULAR || a.type() == FileType.DIRECTORY) {
                    assertEquals(userXattrs(p), userXattrs(vol, a.ino()), where);
                }
                compared++;
            }
            // debugfs: inode numbers, link counts and block counts of a sample of every kind.
            for (String dir : new String[] {"/", "/" + org.ext4j.core.testing.SourceTree.HTREE_DIR,
                "/" + org.ext4j.core.testing.SourceTree.HARDLINKS_DIR, "/" + org.ext4j.core.testing.SourceTree.SPECIAL_DIR}) {
                Attributes d = resolve(vol, dir);
                Map<String, Long> fromDebugfs = new TreeMap<>();
                for (Debugfs.DirEntry e : debugfs.ls(dir)) {
                    fromDebugfs.put(e.name(), e.ino());
                }
                Map<String, Long> fromExt4j = new TreeMap<>();
                for (DirectoryEntry e : readdirAll(vol, d.ino())) {
                    fromExt4j.put(e.nameString(), e.ino());
                }
                assertEquals(fromDebugfs, fromExt4j, variant + " listing of " + dir);
                int n = 0;
                for (Map.Entry<String, Long> e : fromExt4j.entrySet()) {
                    if (e.getKey().equals(".") || e.getKey().equals("..") || n++ > 40) {
                        continue;
                    }
                    String path = (dir.equals("/") ? "" : dir) + "/" + e.getKey();
                    Debugfs.InodeStat st = debugfs.stat(path);
                    Attributes a = vol.getattr(e.getValue());
                    assertEquals(st.ino(), a.ino(), path);
                    assertEquals(st.links(), a.nlink(), path);
                    assertEquals(st.size(), a.size(), path);
                    assertEquals(st.blockCount(), a.blocks512(), path);
                    assertEquals(st.mode() & 07777, a.permissions(), path);
                }
            }
        }
        assertTrue(compared > 100, "only " + compared + " paths compared");
        ImageFactory.requireClean(image);
    }

    static Attributes resolve(InodeFileSystem vol, String path) {
        Attributes a = vol.getattr(InodeFileSystem.ROOT_INO);
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                a = vol.lookup(Caller.ROOT, a.ino(), part.getBytes(StandardCharsets.UTF_8));
            }
        }
        return a;
    }

    static byte[] readAll(InodeFileSystem vol, Attributes a) {
        long h = vol.open(Caller.ROOT, a.ino(), InodeFileSystem.O_RDONLY);
        try {
            byte[] out = new byte[(int) a.size()];
            int pos = 0;
            while (pos < out.length) {
                int n = vol.read(a.ino(), h, pos, out, pos, Math.min(1 << 20, out.length - pos));
                assertTrue(n > 0, "short read at " + pos);
                pos += n;
            }
            byte[] probe = new byte[16];
            assertEquals(0, vol.read(a.ino(), h, out.length, probe, 0, probe.length), "read at EOF");
            return out;
        } finally {
            vol.release(a.ino(), h);
        }
    }

    static List<DirectoryEntry> readdirAll(InodeFileSystem vol, long ino) {
        long h = vol.opendir(Caller.ROOT, ino);
        List<DirectoryEntry> all = new ArrayList<>();
        long off = 0;
        List<DirectoryEntry> batch;
        // Small batches exercise resuming from cookies.
        while (!(batch = vol.readdir(ino, h, off, 7)).isEmpty()) {
            all.addAll(batch);
            off = batch.get(batch.size() - 1).nextOffset();
        }
        vol.releasedir(ino, h);
        return all;
    }

    private static TreeSet<String> listing(InodeFileSystem vol, long ino) {
        TreeSet<String> names = new TreeSet<>();
        for (DirectoryEntry e : readdirAll(vol, ino)) {
            assertTrue(names.add(e.nameString()), "duplicate name " + e.nameString());
        }
        return names;
    }

    private static TreeSet<String> sourceListing(Path dir) throws IOException {
        TreeSet<String> names = new TreeSet<>(List.of(".", ".."));
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    private static Map<String, String> userXattrs(Path p) throws IOException {
        Map<String, String> out = new TreeMap<>();
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        for (String name : v.list()) {
            ByteBuffer b = ByteBuffer.allocate(v.size(name));
            v.read(name, b);
            out.put("user." + name, java.util.HexFormat.of().formatHex(b.array()));
        }
        return out;
    }

    private static Map<String, String> userXattrs(InodeFileSystem vol, long ino) {
        Map<String, String> out = new TreeMap<>();
        for (String name : vol.listxattr(ino)) {
            if (name.startsWith("user.")) {
                out.put(name, java.util.HexFormat.of().formatHex(vol.getxattr(ino, name)));
            }
        }
        return out;
    }
}
