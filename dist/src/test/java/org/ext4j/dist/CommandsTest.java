package org.ext4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands run in-process against an image that mkfs.ext4 -d made from a tree written
 * here; what they print is compared with that tree (as GNU find describes it), with debugfs
 * and with dumpe2fs.
 */
class CommandsTest {
    /** Nanoseconds debugfs writes into README.txt's mtime (mkfs -d keeps whole seconds only). */
    static final int README_MTIME_NANOS = 123_456_789;
    static final long BASE_TIME = 1_600_000_000L;

    @TempDir
    static Path tmp;
    static Path tree;
    static Path img;
    static String image;
    static boolean root;
    static boolean xattrs;
    static boolean acls;

    @BeforeAll
    static void buildImage() throws Exception {
        root = HostSystem.isRoot();
        tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("sub/deeper"));
        Files.createDirectories(tree.resolve("sub/.dotdir"));
        Files.createDirectories(tree.resolve("many"));
        Files.writeString(tree.resolve("README.txt"), "read me\nsecond line\n");
        Files.createFile(tree.resolve("empty"));
        Files.writeString(tree.resolve(".hidden"), "hidden\n");
        Files.writeString(tree.resolve("with space.txt"), "spaces\n");
        Files.writeString(tree.resolve("\u00fcn\u00efc\u00f6d\u00e9.txt"), "utf-8 name\n");
        Files.writeString(tree.resolve("sub/deeper/file"), "deep\n");
        Files.writeString(tree.resolve("sub/.dotdir/x"), "x\n");
        byte[] big = new byte[(5 << 20) / 2 + 12345];
        new Random(7).nextBytes(big);
        Files.write(tree.resolve("big.bin"), big);
        for (int i = 0; i < 300; i++) {
            Files.writeString(tree.resolve("many/entry-" + i), Integer.toString(i));
        }
        Path setuid = Files.writeString(tree.resolve("setuid.sh"), "#!/bin/sh\n");
        Path secret = Files.writeString(tree.resolve("secret"), "0600\n");
        Path sgid = Files.createDirectory(tree.resolve("sgid"));
        Path sticky = Files.createDirectory(tree.resolve("sticky"));
        if (root) {
            // chown before chmod: chown clears setuid and setgid.
            Files.setAttribute(setuid, "unix:uid", 1000);
            Files.setAttribute(setuid, "unix:gid", 1001);
            Files.setAttribute(secret, "unix:uid", 4321);
        }
        Files.setAttribute(setuid, "unix:mode", 04755);
        Files.setAttribute(secret, "unix:mode", 0600);
        Files.setAttribute(sgid, "unix:mode", 02775);
        Files.setAttribute(sticky, "unix:mode", 01777);
        Files.createSymbolicLink(tree.resolve("link"), Path.of("README.txt"));
        Files.createSymbolicLink(tree.resolve("longlink"), Path.of("sub/deeper/" + "../deeper/".repeat(10) + "file"));
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("nowhere"));
        Files.createSymbolicLink(tree.resolve("sublink"), Path.of("sub"));
        Files.createSymbolicLink(tree.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(tree.resolve("loop2"), Path.of("loop1"));
        Files.writeString(tree.resolve("hard1"), "linked thrice\n");
        Files.createLink(tree.resolve("sub/hard2"), tree.resolve("hard1"));
        Files.createLink(tree.resolve("many/hard3"), tree.resolve("hard1"));
        Tools.runOk(List.of("mkfifo", tree.resolve("fifo").toString()));
        if (root) {
            Tools.runOk(List.of("mknod", tree.resolve("cdev").toString(), "c", "4", "70"));
        }
        xattrs = Tools.available("setfattr");
        if (xattrs) {
            Tools.runOk(List.of("setfattr", "-n", "user.comment", "-v", "hello world", tree.resolve("README.txt").toString()));
            Tools.runOk(List.of("setfattr", "-n", "user.bin", "-v", "0x0001ff", tree.resolve("README.txt").toString()));
        }
        acls = Tools.available("setfacl") && Tools.available("getfacl");
        if (acls) {
            Files.writeString(tree.resolve("acl.txt"), "acl\n");
            Tools.runOk(List.of("setfacl", "-m", "u:1234:r-x,g:77:rw-", tree.resolve("acl.txt").toString()));
        }
        setTimes();
        img = tmp.resolve("test.img");
        ImageFactory.mkfs(img, "32M", "-t", "ext4", "-L", "cli-test", "-I", "256", "-d", tree.toString());
        image = img.toString();
        new Debugfs(img).write(List.of("sif /README.txt mtime_extra " + ((long) README_MTIME_NANOS << 2)));
    }

    /** Distinct whole-second mtimes everywhere, directories last so creating entries does not move them. */
    private static void setTimes() throws Exception {
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(tree)) {
            s.forEach(all::add);
        }
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        long t = BASE_TIME;
        for (Path p : all) {
            t += 61;
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                FileTime ft = FileTime.from(Instant.ofEpochSecond(t));
                Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(ft, ft, null);
            } else {
                // The JDK opens the file to set its times, which blocks on a fifo.
                Tools.runOk(List.of("touch", "-h", "-d", "@" + t, p.toString()));
            }
        }
    }

    // ---------------------------------------------------------------- info

    @Test
    void infoMatchesDumpe2fs() throws Exception {
        CliRun r = CliRun.ext4j("info", image);
        assertEquals(0, r.status(), r.stderr());
        Map<String, String> ours = fields(r.stdout());
        Map<String, String> theirs = fields(Tools.runOk(List.of("dumpe2fs", "-h", image)).stdout());
        for (String key : List.of("Filesystem volume name", "Filesystem UUID", "Filesystem features", "Block count",
                "Free blocks", "Reserved block count", "Inode count", "Free inodes", "Block size", "Blocks per group",
                "Inodes per group", "Inode size", "First inode", "Journal inode", "Mount count", "Directory Hash Seed")) {
            assertNotNull(theirs.get(key), "dumpe2fs prints " + key);
            assertEquals(theirs.get(key), ours.get(key), key);
        }
        assertEquals("clean", ours.get("Filesystem state"));
        assertEquals(theirs.get("Default directory hash"), ours.get("Default directory hash").split(" ")[0]);
        assertEquals("crc32c", ours.get("Checksum type"));
        assertTrue(ours.get("Mode").startsWith("read-only"), ours.get("Mode"));
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return m;
    }

    // ---------------------------------------------------------------- ls

    /** One line of our ls -l. */
    record LsLine(String mode, long links, long uid, long gid, String size, String time, String name, String target) {
    }

    private static final Pattern LS_LINE = Pattern.compile(
            "^(\\S{10}) +(\\d+) +(\\d+) +(\\d+) +(\\d+, +\\d+|\\d+) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) (.*)$");

    /** Parses ls -l -R output into directory path → entries. */
    static Map<String, Map<String, LsLine>> parseLsR(String out) {
        Map<String, Map<String, LsLine>> dirs = new TreeMap<>();
        Map<String, LsLine> current = null;
        String prefix = image + ":";
        for (String line : out.split("\n")) {
            if (line.isEmpty() || line.startsWith("total ")) {
                continue;
            }
            if (line.startsWith(prefix) && line.endsWith(":")) {
                current = new TreeMap<>();
                dirs.put(line.substring(prefix.length(), line.length() - 1), current);
                continue;
            }
            Matcher m = LS_LINE.matcher(line);
            assertTrue(m.matches(), "ls -l line: " + line);
            String name = m.group(7);
            String target = null;
            if (m.group(1).startsWith("l")) {
                int arrow = name.indexOf(" -> ");
                target = name.substring(arrow + 4);
                name = name.substring(0, arrow);
            }
            assertNotNull(current, "entry before a header: " + line);
            current.put(name, new LsLine(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), m.group(5).replaceAll(" +", " "), m.group(6), name, target));
        }
        return dirs;
    }

    /** find's view of the source tree: relative path → mode string, links, uid, gid, size, target, mtime seconds. */
    static Map<String, String[]> findTree(Path root) throws Exception {
        String out = Tools.runOk(List.of("find", root.toString(), "-mindepth", "1", "-printf", "%P\\t%M\\t%n\\t%U\\t%G\\t%s\\t%l\\t%T@\\n")).stdout();
        Map<String, String[]> m = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t", -1);
            m.put(f[0], f);
        }
        return m;
    }

    @Test
    void lsLongAllRecursiveMatchesTheSourceTree() throws Exception {
        CliRun r = CliRun.ext4j("ls", "-l", "-a", "-R", image);
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
        Map<String, Map<String, LsLine>> dirs = parseLsR(r.stdout());
        Map<String, LsLine> byPath = new TreeMap<>();
        for (var d : dirs.entrySet()) {
            for (LsLine l : d.getValue().values()) {
                if (!l.name().equals(".") && !l.name().equals("..")) {
                    byPath.put(d.getKey().equals("/") ? l.name() : d.getKey().substring(1) + "/" + l.name(), l);
                }
            }
        }
        byPath.keySet().removeIf(p -> p.equals("lost+found") || p.startsWith("lost+found/"));
        Map<String, String[]> source = findTree(tree);
        assertEquals(source.keySet(), byPath.keySet());
        DateTimeFormatter minute = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());
        for (var e : source.entrySet()) {
            String[] f = e.getValue();
            LsLine l = byPath.get(e.getKey());
            String what = e.getKey();
            assertEquals(f[1], l.mode(), what);
            assertEquals(Long.parseLong(f[2]), l.links(), what);
            assertEquals(Long.parseLong(f[3]), l.uid(), what);
            assertEquals(Long.parseLong(f[4]), l.gid(), what);
            if (f[1].startsWith("-") || f[1].startsWith("l")) {
                assertEquals(f[5], l.size(), what);
            }
            if (f[1].startsWith("l")) {
                assertEquals(f[6], l.target(), what);
            }
            if (f[1].startsWith("c")) {
                assertEquals("4, 70", l.size(), what);
            }
            long seconds = (long) Double.parseDouble(f[7]);
            assertEquals(minute.format(Instant.ofEpochSecond(seconds)), l.time(), what);
        }
        // Every directory's listing is sorted by name bytes and has . and .. first.
        for (var d : dirs.entrySet()) {
            List<String> names = new ArrayList<>(d.getValue().keySet());
            List<String> sorted = new ArrayList<>(names);
            sorted.sort((a, b) -> java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    b.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(sorted, names, d.getKey());
            assertTrue(names.contains(".") && names.contains(".."), d.getKey());
        }
    }

    private static final Pattern DEBUGFS_LS = Pattern.compile(
            "^\\s*(\\d+)\\s+(\\d+)\\s+\\((\\d+)\\)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+(?:,\\s*\\d+)?)\\s+\\S+\\s+\\S+\\s(.*)$");

    @Test
    void lsLongMatchesDebugfs() throws Exception {
        Map<String, Map<String, LsLine>> dirs = parseLsR(CliRun.ext4j("ls", "-l", "-a", "-R", image).stdout());
        assertTrue(dirs.size() >= 8, dirs.keySet().toString());
        for (var d : dirs.entrySet()) {
            Map<String, String[]> theirs = new TreeMap<>();
            for (String line : new Debugfs(img).run("ls -l " + d.getKey()).split("\n")) {
                Matcher m = DEBUGFS_LS.matcher(line);
                if (m.matches()) {
                    theirs.put(unescape(m.group(7)), new String[] {m.group(2), m.group(4), m.group(5), m.group(6)});
                }
            }
            assertEquals(theirs.keySet(), d.getValue().keySet(), d.getKey());
            for (var e : theirs.entrySet()) {
                LsLine ours = d.getValue().get(e.getKey());
                String what = d.getKey() + " " + e.getKey();
                assertEquals(ModeString.of(Integer.parseInt(e.getValue()[0], 8)), ours.mode(), what);
                assertEquals(Long.parseLong(e.getValue()[1]), ours.uid(), what);
                assertEquals(Long.parseLong(e.getValue()[2]), ours.gid(), what);
                if (!ours.mode().startsWith("c") && !ours.mode().startsWith("b")) {
                    assertEquals(e.getValue()[3], ours.size(), what);
                }
            }
        }
    }

    /** Undoes debugfs's \\xNN escaping of bytes outside printable ASCII in names. */
    private static String unescape(String name) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < name.length(); i++) {
            if (name.startsWith("\\x", i) && i + 4 <= name.length()) {
                b.write(Integer.parseInt(name.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                b.write(name.charAt(i));
            }
        }
        return b.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void lsWithoutAHidesDotNames() throws Exception {
        CliRun r = CliRun.ext4j("ls", image);
        assertEquals(0, r.status(), r.stderr());
        TreeSet<String> expected = new TreeSet<>();
        try (var s = Files.list(tree)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(expected::add);
        }
        expected.add("lost+found");
        List<String> names = List.of(r.stdout().split("\n"));
        assertEquals(expected, new TreeSet<>(names));
        assertEquals(expected.size(), names.size());
    }

    @Test
    void lsOfASymlinkShowsTheLinkItself() {
        CliRun r = CliRun.ext4j("ls", "-l", image + ":/sublink");
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stdout().startsWith("lrwxrwxrwx "), r.stdout());
        assertTrue(r.stdout().strip().endsWith("/sublink -> sub"), r.stdout());
        CliRun through = CliRun.ext4j("ls", image + ":/sublink/");
        assertEquals(List.of(".dotdir", "deeper", "hard2").subList(1, 3), List.of(through.stdout().split("\n")));
    }

    // ---------------------------------------------------------------- cat

    @Test
    void catGivesTheSourceBytes() throws Exception {
        List<Path> files = new ArrayList<>();
        try (var s = Files.walk(tree)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(files::add);
        }
        assertTrue(files.size() > 300);
        for (Path f : files) {
            if (f.getParent().endsWith("many") && !f.getFileName().toString().endsWith("7")) {
                continue; // a sample of the big directory keeps the test quick
            }
            String inside = "/" + tree.relativize(f).toString();
            CliRun r = CliRun.ext4j("cat", image + ":" + inside);
            assertEquals(0, r.status(), inside + ": " + r.stderr());
            assertArrayEquals(Files.readAllBytes(f), r.stdoutBytes(), inside);
        }
    }

    @Test
    void catFollowsSymlinksAndConcatenates() throws Exception {
        CliRun r = CliRun.ext4j("cat", image + ":/link", image + ":/longlink", image + ":/sublink/deeper/file");
        assertEquals(0, r.status(), r.stderr());
        assertEquals("read me\nsecond line\ndeep\ndeep\n", r.stdout());
    }

    // ---------------------------------------------------------------- stat

    private static final Pattern STAT_SIZE = Pattern.compile("(?m)^  Size: (\\d+)\\s+Blocks: (\\d+)\\s+IO Block: (\\d+)\\s+(.+)$");
    private static final Pattern STAT_INODE = Pattern.compile("(?m)^Inode: (\\d+)\\s+Links: (\\d+)(?:\\s+Device type: (\\d+),(\\d+))?$");
    private static final Pattern STAT_ACCESS = Pattern.compile("(?m)^Access: \\((\\d{4})/(\\S{10})\\)\\s+Uid: \\(\\s*(\\d+)\\)\\s+Gid: \\(\\s*(\\d+)\\)$");
    private static final Pattern STAT_MODIFY = Pattern.compile("(?m)^Modify: (.+)$");
    private static final DateTimeFormatter STAT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS Z");

    @Test
    void statMatchesTheSourceAndDebugfs() throws Exception {
        List<String> paths = new ArrayList<>(List.of("README.txt", "setuid.sh", "secret", "sgid", "sticky", "link",
                "longlink", "sub/deeper/file", "hard1", "fifo", "empty", "big.bin", "many"));
        if (root) {
            paths.add("cdev");
        }
        Map<String, String[]> source = findTree(tree);
        for (String p : paths) {
            CliRun r = CliRun.ext4j("stat", image + ":/" + p);
            assertEquals(0, r.status(), p + ": " + r.stderr());
            String out = r.stdout();
            Matcher size = find(STAT_SIZE, out, p);
            Matcher inode = find(STAT_INODE, out, p);
            Matcher access = find(STAT_ACCESS, out, p);
            Instant mtime = ZonedDateTime.parse(find(STAT_MODIFY, out, p).group(1), STAT_TIME).toInstant();
            String[] f = source.get(p);
            assertEquals(f[1], access.group(2), p);
            assertEquals(f[3], access.group(3), p);
            assertEquals(f[4], access.group(4), p);
            assertEquals(f[2], inode.group(2), p);
            if (!f[1].startsWith("d")) {
                assertEquals(f[5], size.group(1), p);
            }
            assertEquals((long) Double.parseDouble(f[7]), mtime.getEpochSecond(), p);

            String d = new Debugfs(img).stat("/" + p).text();
            assertEquals(group(d, "Inode: (\\d+)"), inode.group(1), p);
            assertEquals(group(d, "Links: (\\d+)"), inode.group(2), p);
            assertEquals(group(d, "Size: (\\d+)"), size.group(1), p);
            assertEquals(group(d, "Blockcount: (\\d+)"), size.group(2), p);
            assertEquals(Integer.parseInt(group(d, "Mode:\\s+(\\d+)"), 8), Integer.parseInt(access.group(1), 8), p);
            Matcher dm = Pattern.compile("(?m)^\\s*mtime: 0x([0-9a-f]+):([0-9a-f]+)").matcher(d);
            assertTrue(dm.find(), d);
            assertEquals(Long.parseLong(dm.group(1), 16), mtime.getEpochSecond(), p);
            assertEquals(Long.parseLong(dm.group(2), 16) >>> 2, mtime.getNano(), p);
            if (p.equals("cdev")) {
                assertEquals(Integer.parseInt(group(d, "Device major/minor number: (\\d+):")), Integer.parseInt(inode.group(3)));
                assertEquals(Integer.parseInt(group(d, "Device major/minor number: \\d+:(\\d+)")), Integer.parseInt(inode.group(4)));
                assertTrue(out.contains("character special file"), out);
            }
        }
        CliRun readme = CliRun.ext4j("stat", image + ":/README.txt");
        assertTrue(readme.stdout().contains(String.format(".%09d ", README_MTIME_NANOS)), readme.stdout());
    }

    @Test
    void statShowsXattrsAndAcls() throws Exception {
        if (xattrs) {
            String out = CliRun.ext4j("stat", image + ":/README.txt").stdout();
            assertTrue(out.contains("  user.comment = \"hello world\"\n"), out);
            assertTrue(out.contains("  user.bin = 0x0001ff\n"), out);
        }
        if (acls) {
            String out = CliRun.ext4j("stat", image + ":/acl.txt").stdout();
            List<String> lines = new ArrayList<>();
            for (String l : Tools.runOk(List.of("getfacl", "-n", "--omit-header", "-E", tree.resolve("acl.txt").toString())).stdout().split("\n")) {
                if (!l.isBlank()) {
                    lines.add(l.strip());
                }
            }
            assertTrue(out.contains("  system.posix_acl_access = " + String.join(", ", lines) + "\n"), out + " vs " + lines);
        }
    }

    private static Matcher find(Pattern p, String text, String what) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), what + ": no " + p + " in\n" + text);
        return m;
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in\n" + text);
        return m.group(1);
    }

    // ---------------------------------------------------------------- cp

    @Test
    void cpRecursivePreservingGivesTheSourceTree() throws Exception {
        Path out = tmp.resolve("copy");
        CliRun r = CliRun.ext4j("cp", "-r", "-p", image + ":", out.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
        Map<String, String[]> source = findTree(tree);
        Map<String, String[]> copy = findTree(out);
        copy.keySet().removeIf(p -> p.equals("lost+found") || p.startsWith("lost+found/"));
        assertEquals(source.keySet(), copy.keySet());
        for (var e : source.entrySet()) {
            String p = e.getKey();
            String[] s = e.getValue();
            String[] c = copy.get(p);
            assertEquals(s[1], c[1], p + " mode");
            assertEquals(s[2], c[2], p + " links");
            if (root) {
                assertEquals(s[3], c[3], p + " uid");
                assertEquals(s[4], c[4], p + " gid");
            }
            if (s[1].startsWith("-")) {
                assertEquals(s[5], c[5], p + " size");
                assertArrayEquals(Files.readAllBytes(tree.resolve(p)), Files.readAllBytes(out.resolve(p)), p);
            }
            assertEquals(s[6], c[6], p + " link target");
            assertEquals((long) Double.parseDouble(s[7]), (long) Double.parseDouble(c[7]), p + " mtime");
        }
        Object key = Files.readAttributes(out.resolve("hard1"), "unix:ino").get("ino");
        assertEquals(key, Files.readAttributes(out.resolve("sub/hard2"), "unix:ino").get("ino"));
        assertEquals(key, Files.readAttributes(out.resolve("many/hard3"), "unix:ino").get("ino"));
        Instant readme = Files.getLastModifiedTime(out.resolve("README.txt")).toInstant();
        assertEquals(README_MTIME_NANOS, readme.getNano());
    }

    @Test
    void cpIntoAnExistingDirectoryAndItsRules() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("into"));
        CliRun r = CliRun.ext4j("cp", image + ":/README.txt", image + ":/link", image + ":/sub", dest.toString());
        assertEquals(1, r.status());
        assertTrue(r.stderr().contains(image + ":/sub: is a directory (use -r to copy directories)"), r.stderr());
        assertEquals(Files.readString(tree.resolve("README.txt")), Files.readString(dest.resolve("README.txt")));
        assertFalse(Files.isSymbolicLink(dest.resolve("link")), "without -r a source link is followed");
        assertEquals(Files.readString(tree.resolve("README.txt")), Files.readString(dest.resolve("link")));

        CliRun two = CliRun.ext4j("cp", image + ":/README.txt", image + ":/empty", tmp.resolve("nodir").toString());
        assertEquals(1, two.status());
        assertTrue(two.stderr().contains("target is not a directory"), two.stderr());

        Path named = tmp.resolve("renamed.txt");
        assertEquals(0, CliRun.ext4j("cp", image + ":/sub/deeper/file", named.toString()).status());
        assertEquals("deep\n", Files.readString(named));
    }

    // ---------------------------------------------------------------- errors

    @Test
    void errorsAreOneLineWithTheRightStatus() throws Exception {
        assertError(CliRun.ext4j("ls", tmp.resolve("missing.img").toString()), 1,
                "ext4j: ls: " + tmp.resolve("missing.img") + ": no such image file");
        assertError(CliRun.ext4j("ls", image + ":/nope"), 1, "ext4j: ls: " + image + ":/nope: No such file or directory");
        assertError(CliRun.ext4j("cat", image + ":/sub"), 1, "ext4j: cat: " + image + ":/sub: Is a directory");
        assertError(CliRun.ext4j("cat", image + ":/README.txt/x"), 1, "Not a directory");
        assertError(CliRun.ext4j("cat", image + ":/loop1"), 1, "Too many levels of symbolic links");
        assertError(CliRun.ext4j("cat", image + ":/dangling"), 1, "No such file or directory");
        assertError(CliRun.ext4j("cat", image), 2, "ext4j: cat: '" + image + "' names no file inside the image");
        assertError(CliRun.ext4j("stat", image), 2, "IMAGE:PATH");
        assertError(CliRun.ext4j("ls", "--bogus", image), 2, "ext4j: ls: Unknown option: '--bogus'");
        assertError(CliRun.ext4j(), 2, "ext4j: missing COMMAND");
        assertError(CliRun.ext4j("frobnicate"), 2, "ext4j: Unmatched argument");
        Path notExt4 = Files.write(tmp.resolve("zeros.img"), new byte[64 * 1024]);
        assertError(CliRun.ext4j("info", notExt4.toString()), 1, "the image is corrupted: superblock: bad magic");
        assertError(CliRun.ext4j("info", notExt4.toString()), 1, "(run e2fsck -f " + notExt4 + ")");
        CliRun debug = CliRun.ext4j("--debug", "ls", image + ":/nope");
        assertTrue(debug.stderr().contains("\tat org.ext4j."), debug.stderr());
        CliRun debugAfter = CliRun.ext4j("ls", "--debug", image + ":/nope");
        assertTrue(debugAfter.stderr().contains("\tat org.ext4j."), debugAfter.stderr());
    }

    private static void assertError(CliRun r, int status, String expected) {
        assertEquals(status, r.status(), r.stderr());
        assertTrue(r.stderr().contains(expected), "expected '" + expected + "' in: " + r.stderr());
        assertFalse(r.stderr().contains("Exception"), r.stderr());
        assertFalse(r.stderr().contains("\tat "), r.stderr());
        if (status == 1) {
            assertEquals(1, r.stderr().strip().split("\n").length, r.stderr());
        }
    }

    // ---------------------------------------------------------------- help and demo

    @Test
    void everyCommandHasAManualPage() {
        for (String cmd : List.of("info", "ls", "cat", "stat", "cp", "demo")) {
            CliRun r = CliRun.ext4j(cmd, "--help");
            assertEquals(0, r.status(), cmd);
            for (String section : List.of("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES")) {
                assertTrue(r.stdout().contains("\n" + section + "\n"), cmd + " lacks " + section + ":\n" + r.stdout());
            }
            assertTrue(r.stdout().contains("ext4j " + cmd), r.stdout());
        }
        CliRun top = CliRun.ext4j("--help");
        assertEquals(0, top.status());
        assertTrue(top.stdout().contains("COMMANDS"), top.stdout());
    }

    @Test
    void demoBuildsAnImageAndToursIt() throws Exception {
        Path dir = tmp.resolve("demo");
        CliRun r = CliRun.ext4j("demo", "--dir", dir.toString());
        assertEquals(0, r.status(), r.stderr());
        String out = r.stdout();
        for (String header : List.of("== ext4j info ", "== ext4j ls -l -a -R ", "== ext4j cat ", "== ext4j stat ", "== Try next ==")) {
            assertTrue(out.contains(header), header + " in\n" + out);
        }
        assertTrue(out.contains(Files.readString(dir.resolve("tree/README.txt"))), out);
        assertTrue(out.contains("Filesystem volume name:   ext4j-demo"), out);
        assertTrue(out.contains("link-to-hello -> hello.txt"), out);
        assertTrue(Files.isRegularFile(dir.resolve("demo.img")));
    }
}
