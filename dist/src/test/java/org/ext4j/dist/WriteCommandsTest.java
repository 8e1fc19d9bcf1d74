package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write commands run in-process on an image mkfs.ext4 made empty; the result is checked by
 * e2fsck -fn and by the kernel's ext4 (the image mounted read-only), compared with a host tree
 * to which the same operations were applied by the host's own filesystem.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WriteCommandsTest {
    @TempDir
    static Path tmp;
    static Path src;
    static Path img;
    static String image;
    static boolean root;
    static boolean xattrs;

    @BeforeAll
    static void build() throws Exception {
        root = HostSystem.isRoot();
        src = tmp.resolve("src");
        Files.createDirectories(src.resolve("sub/deeper"));
        Random r = new Random(42);
        Files.writeString(src.resolve("small.txt"), "hello\n");
        Files.createFile(src.resolve("empty"));
        Files.write(src.resolve("odd.bin"), random(r, 4097));
        Files.write(src.resolve("big.bin"), random(r, (3 << 20) + 12345));
        Files.write(src.resolve("sub/deeper/file"), random(r, 70000));
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("sparse").toFile(), "rw")) {
            f.write(random(r, 100));
            f.seek(5L << 20);
            f.write(random(r, 100));
            f.setLength((7L << 20) + 3);
        }
        Files.createSymbolicLink(src.resolve("sub/rel"), Path.of("../small.txt"));
        Files.createSymbolicLink(src.resolve("abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(src.resolve("longlink"), Path.of("x".repeat(120) + "/" + "y".repeat(100)));
        Files.createLink(src.resolve("sub/hard"), src.resolve("small.txt"));
        Files.createLink(src.resolve("sub/deeper/hard2"), src.resolve("big.bin"));
        Files.createLink(src.resolve("hard3"), src.resolve("big.bin"));
        Tools.runOk(List.of("mkfifo", src.resolve("fifo").toString()));
        Files.createDirectory(src.resolve("private"));
        Files.writeString(src.resolve("private/secret"), "s\n");
        Files.createDirectory(src.resolve("sticky"));
        xattrs = setUserXattr(src.resolve("small.txt"), "color", "blue");
        if (root) {
            Tools.runOk(List.of("mknod", src.resolve("null").toString(), "c", "1", "3"));
            Files.setAttribute(src.resolve("odd.bin"), "unix:uid", 1000);
            Files.setAttribute(src.resolve("odd.bin"), "unix:gid", 1001);
            Files.setAttribute(src.resolve("private"), "unix:uid", 4321);
        }
        Files.setAttribute(src.resolve("odd.bin"), "unix:mode", 04755);
        Files.setAttribute(src.resolve("private/secret"), "unix:mode", 0600);
        Files.setAttribute(src.resolve("private"), "unix:mode", 0700);
        Files.setAttribute(src.resolve("sticky"), "unix:mode", 01777);
        long t = 1_500_000_000L;
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (!Files.isSymbolicLink(p) && !p.getFileName().toString().equals("fifo")) {
                    Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(t += 777, 123_456_789)));
                }
            }
        }
        img = tmp.resolve("disk.img");
        ImageFactory.mkfs(img, "64M");
        image = img.toString();
    }

    /** Sets a user xattr on the host; false when the host filesystem does not take them. */
    private static boolean setUserXattr(Path p, String name, String value) {
        try {
            Files.getFileAttributeView(p, UserDefinedFileAttributeView.class)
                    .write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (IOException | UnsupportedOperationException | NullPointerException e) {
            return false;
        }
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    @Order(1)
    void copyTreeInMatchesTheKernelsView() throws Exception {
        CliRun run = CliRun.ext4j("cp", "-r", "-p", src.toString(), image + ":/");
        assertEquals(0, run.status(), run.stderr());
        fsck();
        withMount(mnt -> assertEquals(describe(src, true), describe(mnt.resolve("src"), true)));
    }

    @Test
    @Order(2)
    void namespaceCommandsMatchTheSameOperationsOnTheHost() throws Exception {
        int umask = HostSystem.umask();
        ok("mkdir", "-p", "-m", "750", image + ":/src/new/a/b");
        Files.createDirectories(src.resolve("new/a/b"));
        Files.setAttribute(src.resolve("new"), "unix:mode", (0777 & ~umask) | 0300);
        Files.setAttribute(src.resolve("new/a"), "unix:mode", (0777 & ~umask) | 0300);
        Files.setAttribute(src.resolve("new/a/b"), "unix:mode", 0750);

        ok("mv", image + ":/src/odd.bin", image + ":/src/new/a");
        Files.move(src.resolve("odd.bin"), src.resolve("new/a/odd.bin"));
        ok("mv", image + ":/src/private", image + ":/src/new/renamed");
        Files.move(src.resolve("private"), src.resolve("new/renamed"));

        ok("ln", image + ":/src/small.txt", image + ":/src/new/small.link");
        Files.createLink(src.resolve("new/small.link"), src.resolve("small.txt"));
        ok("ln", "-s", "../../big.bin", image + ":/src/new/a/big.sym");
        Files.createSymbolicLink(src.resolve("new/a/big.sym"), Path.of("../../big.bin"));

        ok("rm", "-r", image + ":/src/sub");
        ok("rm", image + ":/src/hard3", image + ":/src/abs");
        deleteTree(src.resolve("sub"));
        Files.delete(src.resolve("hard3"));
        Files.delete(src.resolve("abs"));

        // A file replaced by cp in place, and one copied in under a new name.
        Path replacement = tmp.resolve("replacement");
        Files.writeString(replacement, "replaced\n");
        ok("cp", replacement.toString(), image + ":/src/empty");
        Files.copy(replacement, src.resolve("empty"), StandardCopyOption.REPLACE_EXISTING);
        ok("cp", replacement.toString(), image + ":/src/new/fresh");
        Files.copy(replacement, src.resolve("new/fresh"));

        fsck();
        withMount(mnt -> assertEquals(describe(src, false), describe(mnt.resolve("src"), false)));
    }

    @Test
    @Order(3)
    void errorsAreOneLineAndLeaveTheImageClean() throws Exception {
        CliRun r = CliRun.ext4j("cp", src.resolve("small.txt").toString(), image + ":/no/such/dir/x");
        assertEquals(1, r.status());
        assertEquals("ext4j: cp: " + image + ":/no/such/dir/x: No such file or directory\n", r.stderr());

        r = CliRun.ext4j("rm", image + ":/src/new");
        assertEquals(1, r.status());
        assertEquals("ext4j: rm: " + image + ":/src/new: Is a directory (use -r to remove directories)\n", r.stderr());

        r = CliRun.ext4j("mv", image + ":/src/small.txt", image + ":/src/small.txt");
        assertEquals(1, r.status());
        assertTrue(r.stderr().startsWith("ext4j: mv: ") && r.stderr().contains("are the same file"), r.stderr());

        r = CliRun.ext4j("rm", "-r", "-f", image + ":/");
        assertEquals(1, r.status());
        assertTrue(r.stderr().contains("refusing to remove the root directory"), r.stderr());

        r = CliRun.ext4j("mkdir", image + ":/src");
        assertEquals(1, r.status());
        assertTrue(r.stderr().startsWith("ext4j: mkdir: " + image + ":/src: File exists"), r.stderr());

        r = CliRun.ext4j("ln", image + ":/src/new", image + ":/src/dirlink");
        assertEquals(1, r.status());

        r = CliRun.ext4j("mkdir", "-m", "u+x", image + ":/z");
        assertEquals(2, r.status());
        fsck();
    }

    @Test
    void anImageThatCanOnlyBeReadIsRefused() throws Exception {
        // quota is a read-only-compatible feature ext4j does not write, so the filesystem comes up read-only.
        Path quota = tmp.resolve("quota.img");
        ImageFactory.mkfs(quota, "16M", "-O", "quota");
        CliRun r = CliRun.ext4j("mkdir", quota + ":/d");
        assertEquals(1, r.status());
        assertTrue(r.stderr().startsWith("ext4j: mkdir: " + quota + ": cannot be written: the filesystem opened read-only")
                && r.stderr().contains("quota"), r.stderr());
        String listing = new Debugfs(quota).run("ls -p /");
        assertTrue(listing.contains("/lost+found/") && !listing.contains("/d/"), listing);
    }

    @Test
    void everyWriteCommandHasAManual() {
        for (String cmd : List.of("mkdir", "rm", "mv", "ln", "cp")) {
            CliRun r = CliRun.ext4j(cmd, "--help");
            assertEquals(0, r.status());
            assertTrue(r.stdout().contains("SYNOPSIS") && r.stdout().contains("EXIT STATUS"), cmd);
        }
    }

    private static void ok(String... args) {
        CliRun r = CliRun.ext4j(args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r.stderr());
    }

    private static void fsck() throws Exception {
        Process p = new ProcessBuilder("e2fsck", "-fn", image).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    interface MountCheck {
        void check(Path mnt) throws Exception;
    }

    /** Mounts the image read-only with the kernel's ext4 (root only), runs {@code check}, unmounts. */
    private static void withMount(MountCheck check) throws Exception {
        assumeTrue(root, "mounting needs root");
        Path mnt = Files.createTempDirectory(tmp, "mnt");
        Tools.runOk(List.of("mount", "-t", "ext4", "-o", "loop,ro", image, mnt.toString()));
        try {
            check.check(mnt);
        } finally {
            Tools.runOk(List.of("umount", "-d", mnt.toString()));
        }
    }

    /**
     * Each path under {@code top} with type, permission bits, owner, content digest or link
     * target, mtime (seconds; with {@code allTimes} also for directories and links), and the
     * names sharing its inode.
     */
    static Map<String, String> describe(Path top, boolean allTimes) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, TreeSet<String>> byIno = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(top)) {
            walk.forEach(all::add);
        }
        for (Path p : all) {
            String rel = top.relativize(p).toString();
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            StringBuilder d = new StringBuilder(Integer.toOctalString(mode)).append(' ')
                    .append(a.get("uid")).append(':').append(a.get("gid")).append(' ');
            boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            boolean link = Files.isSymbolicLink(p);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                d.append("size=").append(Files.size(p)).append(" sha=").append(sha(p));
                if (((Integer) a.get("nlink")) > 1) {
                    byIno.computeIfAbsent(a.get("ino"), k -> new TreeSet<>()).add(rel);
                }
                var view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
                if (xattrs && view != null) {
                    for (String name : new TreeSet<>(view.list())) {
                        ByteBuffer v = ByteBuffer.allocate(view.size(name));
                        view.read(name, v);
                        d.append(" user.").append(name).append('=').append(new String(v.array(), 0, v.position(),
                                StandardCharsets.UTF_8));
                    }
                }
            } else if (link) {
                d.append("-> ").append(Files.readSymbolicLink(p));
            } else if (!dir) {
                d.append("rdev=").append(a.get("rdev"));
            }
            if (allTimes || !(dir || link)) {
                d.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
            }
            out.put(rel, d.toString());
        }
        for (TreeSet<String> names : byIno.values()) {
            for (String n : names) {
                out.put(n, out.get(n) + " links=" + names);
            }
        }
        return out;
    }

    private static String sha(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(q);
            }
        }
    }
}
