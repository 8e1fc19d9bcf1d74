package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * An image made by {@code mkfs.ext4 -d} from a temp tree, mounted read-only through ext4j; the
 * mounted tree is compared with the source tree (names, types, sizes, content, symlink targets,
 * modes) and its inode numbers with debugfs's.
 */
class LinuxMountIT {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    private Path makeSourceTree() throws IOException {
        Path src = Files.createDirectory(temp.resolve("src"));
        Random random = new Random(42);
        Files.createDirectories(src.resolve("docs/deeper/deepest"));
        Files.writeString(src.resolve("docs/readme.txt"), "ext4j reads this through FUSE\n");
        Files.write(src.resolve("empty"), new byte[0]);
        for (int size : new int[] {1, 4095, 4096, 4097, 65_536, 1_500_000}) {
            byte[] b = new byte[size];
            random.nextBytes(b);
            Files.write(src.resolve("docs/deeper/file-" + size + ".bin"), b);
        }
        Files.writeString(src.resolve("docs/deeper/deepest/ünïcödé name.txt"), "names are bytes\n");
        Files.createSymbolicLink(src.resolve("short-link"), Path.of("docs/readme.txt"));
        Files.createSymbolicLink(src.resolve("long-link"), Path.of("docs/deeper/deepest/../deepest/../../deeper/"
                + "deepest/../file-4096.bin"));
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("nowhere/at/all"));
        Path big = Files.createDirectory(src.resolve("many"));
        for (int i = 0; i < 400; i++) {
            Files.writeString(big.resolve("entry-with-a-longish-name-" + i), Integer.toString(i));
        }
        Path secret = Files.writeString(src.resolve("secret"), "0600\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path script = Files.writeString(src.resolve("docs/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x--x"));
        Files.setAttribute(src.resolve("docs/deeper"), "unix:mode", 01777);
        Files.setAttribute(src.resolve("docs/readme.txt"), "user:colour", ByteBuffer.wrap(new byte[] {'b', 'l', 'u', 'e'}));
        byte[] large = new byte[900]; // too big for the inode: an xattr block
        random.nextBytes(large);
        Files.setAttribute(src.resolve("empty"), "user:large", ByteBuffer.wrap(large));
        return src;
    }

    @Test
    void mountedTreeEqualsTheSourceTree() throws Exception {
        Path src = makeSourceTree();
        Path image = temp.resolve("test.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-t", "ext4", "-d", src.toString(), image.toString(), "32M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(image, mnt, MountOptions.readOnly(image.toString()));
            compareTrees(src, mnt);
            compareInodeNumbers(image, mnt);
            compareXattrs(src, mnt, List.of("docs/readme.txt", "empty", "secret"));
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        assertFalse(MountPointCheck.isMountPoint(mnt.toRealPath()));
    }

    @Test
    void indexedDirectoryListsInTheKernelsOrder() throws Exception {
        Path src = Files.createDirectory(temp.resolve("src"));
        Path many = Files.createDirectory(src.resolve("many"));
        for (int i = 0; i < 2000; i++) {
            Files.createFile(many.resolve("name-" + i + "-" + "x".repeat(i % 23)));
        }
        Path image = temp.resolve("test.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-d", src.toString(), image.toString(), "32M"));
        // e2fsck -D indexes the directory (exit 1: it changed something).
        Process fsck = new ProcessBuilder("e2fsck", "-fyD", image.toString()).redirectErrorStream(true).start();
        fsck.getInputStream().readAllBytes();
        assertTrue(fsck.waitFor() <= 1, "e2fsck -fyD exit " + fsck.exitValue());
        assertTrue(MountTestSupport.run(List.of("debugfs", "-R", "htree_dump /many", image.toString()))
                .contains("Root node dump"), "/many is indexed");
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        // e2fsck -D leaves the leaves sorted by hash; kernel inserts and removals unsort them, so
        // that on-disk order is not the order sought.
        MountTestSupport.run(List.of("mount", "-o", "loop", image.toString(), mnt.toString()));
        try {
            MountTestSupport.run(List.of("sh", "-c", "cd \"$1\"/many && for i in $(seq 0 299); do : > added-$i; done"
                    + " && for i in $(seq 0 10 1999); do rm name-$i-*; done", "sh", mnt.toString()));
        } finally {
            MountTestSupport.run(List.of("umount", mnt.toString()));
        }
        String ours;
        FuseMount mount = null;
        try {
            mount = LinuxBackend.mount(image, mnt, MountOptions.readOnly(image.toString()));
            // ls -f lists in getdents order; its buffer holds far fewer than 2000 names, so the
            // listing resumes at cookies many times.
            ours = MountTestSupport.run(List.of("ls", "-f", mnt.resolve("many").toString()));
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        MountTestSupport.run(List.of("mount", "-o", "loop,ro", image.toString(), mnt.toString()));
        String kernel;
        try {
            kernel = MountTestSupport.run(List.of("ls", "-f", mnt.resolve("many").toString()));
        } finally {
            MountTestSupport.run(List.of("umount", mnt.toString()));
        }
        assertEquals(2002 + 300 - 200, kernel.split("\n").length);
        assertEquals(kernel, ours, "ext4j's FUSE mount lists /many in the kernel's order");
    }

    private static void compareTrees(Path src, Path mnt) throws IOException {
        List<Path> expected;
        try (Stream<Path> walk = Files.walk(src)) {
            expected = walk.map(src::relativize).sorted().collect(Collectors.toList());
        }
        List<Path> actual;
        try (Stream<Path> walk = Files.walk(mnt)) {
            actual = walk.map(mnt::relativize).filter(p -> !p.startsWith("lost+found")).sorted()
                    .collect(Collectors.toList());
        }
        assertEquals(expected, actual, "the same names");
        for (Path rel : expected) {
            Path a = src.resolve(rel.toString());
            Path b = mnt.resolve(rel.toString());
            String where = rel.toString();
            assertEquals(Files.isDirectory(a, NOFOLLOW), Files.isDirectory(b, NOFOLLOW), where);
            assertEquals(Files.isSymbolicLink(a), Files.isSymbolicLink(b), where);
            assertEquals(Files.isRegularFile(a, NOFOLLOW), Files.isRegularFile(b, NOFOLLOW), where);
            if (!rel.toString().isEmpty()) {
                assertEquals(Files.getAttribute(a, "unix:mode", NOFOLLOW), Files.getAttribute(b, "unix:mode", NOFOLLOW),
                        "mode of " + where);
            }
            if (Files.isSymbolicLink(a)) {
                assertEquals(Files.readSymbolicLink(a), Files.readSymbolicLink(b), "target of " + where);
            } else if (Files.isRegularFile(a, NOFOLLOW)) {
                assertEquals(Files.size(a), Files.size(b), "size of " + where);
                assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "content of " + where);
            }
        }
    }

    /** Extended attributes as getfattr(1) dumps them (hex values), mounted against the source. */
    private static void compareXattrs(Path src, Path mnt, List<String> files) throws Exception {
        for (String f : files) {
            String expected = MountTestSupport.run(List.of("getfattr", "-e", "hex", "-d", "--absolute-names", f)
                    .stream().map(a -> a.equals(f) ? src.resolve(f).toString() : a).toList());
            String actual = MountTestSupport.run(List.of("getfattr", "-e", "hex", "-d", "--absolute-names", f)
                    .stream().map(a -> a.equals(f) ? mnt.resolve(f).toString() : a).toList());
            assertEquals(expected.replace(src.toString(), ""), actual.replace(mnt.toString(), ""), "xattrs of " + f);
        }
        assertTrue(MountTestSupport.run(List.of("getfattr", "-d", mnt.resolve("docs/readme.txt").toString()))
                .contains("user.colour=\"blue\""));
    }

    /** {@code stat -c %i} on the mount against {@code debugfs ls -p} on the image. */
    private static void compareInodeNumbers(Path image, Path mnt) throws Exception {
        Map<String, Long> debugfs = debugfsInodes(image, List.of("", "docs", "docs/deeper", "docs/deeper/deepest"));
        List<String> command = new ArrayList<>(List.of("stat", "-c", "%i %n"));
        debugfs.keySet().forEach(rel -> command.add(mnt.resolve(rel).toString()));
        Map<String, Long> mounted = new TreeMap<>();
        for (String line : MountTestSupport.run(command).split("\n")) {
            int space = line.indexOf(' ');
            mounted.put(mnt.relativize(Path.of(line.substring(space + 1))).toString(),
                    Long.parseLong(line.substring(0, space)));
        }
        assertTrue(debugfs.size() > 15, "debugfs listed " + debugfs);
        assertEquals(debugfs, mounted);
    }

    /** Inode numbers of every entry of the given directories (relative names), from one debugfs run. */
    private static Map<String, Long> debugfsInodes(Path image, List<String> dirs) throws Exception {
        StringBuilder script = new StringBuilder();
        for (String d : dirs) {
            script.append("ls -p \"/").append(d).append("\"\n");
        }
        Path cmd = Files.writeString(image.resolveSibling("debugfs.cmd"), script.toString());
        String out = MountTestSupport.run(List.of("debugfs", "-f", cmd.toString(), image.toString()));
        Map<String, Long> inodes = new TreeMap<>();
        String dir = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("debugfs: ls -p \"/")) {
                dir = line.substring("debugfs: ls -p \"/".length(), line.length() - 1);
            } else if (line.startsWith("/") && dir != null) {
                // /ino/mode/uid/gid/name/size/ ; names here contain no '/'
                String[] f = line.split("/", -1);
                String name = f[5];
                if (name.equals(".") || name.equals("..") || name.equals("lost+found")) {
                    continue;
                }
                inodes.put(dir.isEmpty() ? name : dir + "/" + name, Long.parseLong(f[1]));
            }
        }
        return inodes;
    }
}
