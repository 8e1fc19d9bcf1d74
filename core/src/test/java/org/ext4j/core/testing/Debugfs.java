package org.ext4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

// Reads an ext4 image through e2fsprogs' debugfs (read-only): the oracle that nobody on this project wrote.
/**
 * Wraps {@code debugfs -R REQUEST IMAGE}. Paths are absolute image paths ("/a/b") or inode specs
 * ("&lt;12&gt;"); they are quoted for debugfs, so they may hold spaces but not double quotes.
 *
 * <p>{@link #exportTree} produces a faithful local copy of the whole image (contents, modes with
 * setuid bits, owners, nanosecond mtimes, hard links, user xattrs, device nodes, fifos, sockets),
 * which plain {@code rdump} does not: rdump loses setuid/setgid (it chowns after chmod), hard links
 * (each name becomes a separate file), xattrs and every special file, and pads inline-data files
 * of under 60 bytes to 60.
 */
public final class Debugfs {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Map<String, String> ENVIRONMENT = Map.of("DEBUGFS_PAGER", "__none__", "PAGER", "__none__");
    private static final String PROMPT = "debugfs: ";

    private final Path image;

    /** A reader of {@code image}; nothing is opened until a request runs. */
    public Debugfs(Path image) {
        this.image = image;
    }

    /** The image file. */
    public Path image() {
        return image;
    }

    /** One inode as {@code debugfs stat} prints it. Times are null when the inode has no such field. */
    public record InodeStat(long ino, String type, int mode, long flags, long generation, long uid, long gid,
                            long size, long fileAcl, int links, long blockCount, Instant ctime, Instant atime,
                            Instant mtime, Instant crtime, int extraIsize, String text) {

        /** True if the inode flag (EXT4_*_FL value) is set. */
        public boolean hasFlag(long flag) {
            return (flags & flag) == flag;
        }
    }

    /** One line of {@code ls -p}: the entry's inode, full mode (type bits included), owner, name and size. */
    public record DirEntry(long ino, int mode, long uid, long gid, String name, long size) {

        /** The S_IFMT bits of {@link #mode}. */
        public int fileType() {
            return mode & 0170000;
        }
    }

    /**
     * Runs one request and returns its stdout; throws an AssertionError if debugfs reported an error
     * (anything on stderr besides its version banner).
     */
    public String run(String request) {
        return run(request, null);
    }

    // Like run(request), but stderr lines that contain `harmless` are not errors.
    private String run(String request, String harmless) {
        Tools.Result result = Tools.run(List.of("debugfs", "-R", request, image.toString()), TIMEOUT, ENVIRONMENT)
                .requireExit(0);
        for (String line : withoutBanner(result.stderr()).split("\n")) {
            if (!line.isBlank() && (harmless == null || !line.contains(harmless))) {
                throw new AssertionError(result.describe("reported an error"));
            }
        }
        return result.stdout();
    }

    /** debugfs testi: whether inode {@code ino} is marked in use in its group's inode bitmap. */
    public boolean inUse(long ino) {
        return run("testi <" + ino + ">").contains("is marked in use");
    }

    /**
     * Runs many requests in one debugfs process and returns each one's stdout, in order. Throws if
     * debugfs reported any error (which request failed is then not known: stderr is not interleaved).
     */
    public List<String> batch(List<String> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        return splitBatch(requests, runCommandFile(requests, false));
    }

    /**
     * Runs requests in one {@code debugfs -w} process, which changes the image (for making
     * corrupt or unusual images); throws if debugfs reported an error. debugfs exits 0 even when
     * a request fails, so stderr is what tells.
     */
    public void write(List<String> requests) {
        runCommandFile(requests, true);
    }

    // Runs debugfs -f (with -w when writable) on a temporary command file; returns stdout, throws on any error.
    private String runCommandFile(List<String> requests, boolean writable) {
        try {
            Path commands = Files.createTempFile("ext4j-debugfs", ".cmd");
            try {
                Files.write(commands, requests, StandardCharsets.UTF_8);
                List<String> command = new ArrayList<>(List.of("debugfs", "-f", commands.toString(), image.toString()));
                if (writable) {
                    command.add(1, "-w");
                }
                Tools.Result result = Tools.run(command, TIMEOUT, ENVIRONMENT).requireExit(0);
                if (!withoutBanner(result.stderr()).isBlank()) {
                    throw new AssertionError(result.describe("reported an error in a batch of " + requests.size()));
                }
                return result.stdout();
            } finally {
                Files.deleteIfExists(commands);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // debugfs -f echoes each request as "debugfs: REQUEST" before its output.
    private static List<String> splitBatch(List<String> requests, String stdout) {
        List<String> outputs = new ArrayList<>(requests.size());
        int position = 0;
        for (int i = 0; i < requests.size(); i++) {
            String echo = PROMPT + requests.get(i) + "\n";
            if (!stdout.startsWith(echo, position)) {
                throw new AssertionError("debugfs batch output out of step at request " + i + " '" + requests.get(i) + "'");
            }
            int start = position + echo.length();
            int end = i + 1 < requests.size() ? stdout.indexOf("\n" + PROMPT + requests.get(i + 1) + "\n", start - 1) : -1;
            if (i + 1 < requests.size() && end < 0) {
                throw new AssertionError("debugfs batch output lacks the echo of request " + (i + 1));
            }
            int stop = end < 0 ? stdout.length() : end + 1;
            outputs.add(stdout.substring(start, Math.max(start, stop)));
            position = stop;
        }
        return outputs;
    }

    private static String withoutBanner(String stderr) {
        return stderr.replaceFirst("^debugfs [^\\n]*\\n", "");
    }

    /** Quotes a path or inode spec for debugfs' argument parser. */
    static String quote(String path) {
        if (path.indexOf('"') >= 0 || path.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("debugfs cannot take this path: " + path);
        }
        return "\"" + path + "\"";
    }

    /** {@code stat PATH}, parsed. */
    public InodeStat stat(String path) {
        return parseStat(run("stat " + quote(path)));
    }

    private static final Pattern STAT_HEAD =
            Pattern.compile("Inode: (\\d+)\\s+Type: (.+?)\\s+Mode:\\s+(\\d+)\\s+Flags: 0x([0-9a-f]+)");
    private static final Pattern STAT_GENERATION = Pattern.compile("Generation: (\\d+)");
    private static final Pattern STAT_OWNER = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+).*?Size: (\\d+)");
    private static final Pattern STAT_ACL = Pattern.compile("File ACL: (\\d+)");
    private static final Pattern STAT_LINKS = Pattern.compile("Links: (\\d+)\\s+Blockcount: (\\d+)");
    private static final Pattern STAT_EXTRA = Pattern.compile("Size of extra inode fields: (\\d+)");

    /** Parses the text of {@code debugfs stat}. */
    public static InodeStat parseStat(String text) {
        Matcher head = find(STAT_HEAD, text);
        Matcher owner = find(STAT_OWNER, text);
        Matcher links = find(STAT_LINKS, text);
        Matcher acl = STAT_ACL.matcher(text);
        Matcher extra = STAT_EXTRA.matcher(text);
        return new InodeStat(Long.parseLong(head.group(1)), head.group(2), Integer.parseInt(head.group(3), 8),
                Long.parseLong(head.group(4), 16), Long.parseLong(find(STAT_GENERATION, text).group(1)),
                Long.parseLong(owner.group(1)), Long.parseLong(owner.group(2)), Long.parseLong(owner.group(3)),
                acl.find() ? Long.parseLong(acl.group(1)) : 0, Integer.parseInt(links.group(1)),
                Long.parseLong(links.group(2)), time(text, "ctime"), time(text, "atime"), time(text, "mtime"),
                time(text, "crtime"), extra.find() ? Integer.parseInt(extra.group(1)) : 0, text);
    }

    private static Matcher find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("debugfs stat output lacks /" + pattern + "/:\n" + text);
        }
        return matcher;
    }

    /**
     * Decodes " mtime: 0xSECONDS_LO[:0xEXTRA] -- date": the low word is a signed 32-bit count of
     * seconds; the extra word (large inodes only) holds two epoch bits (added as multiples of 2^32
     * seconds) and the nanoseconds shifted left by two.
     */
    private static Instant time(String text, String field) {
        Matcher matcher = Pattern.compile("(?m)^\\s*" + field + ": 0x([0-9a-f]{1,8})(?::([0-9a-f]{1,8}))? --").matcher(text);
        if (!matcher.find()) {
            return null;
        }
        long seconds = (int) Long.parseLong(matcher.group(1), 16);
        long nanos = 0;
        if (matcher.group(2) != null) {
            long extra = Long.parseLong(matcher.group(2), 16);
            seconds += (extra & 3) << 32;
            nanos = extra >>> 2;
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** {@code ls -p DIR}, parsed (including "." and ".."). */
    public List<DirEntry> ls(String directory) {
        return parseLs(run("ls -p " + quote(directory)));
    }

    /**
     * Parses {@code ls -p} lines "/INO/MODE/UID/GID/NAME/SIZE/" (SIZE is empty for directories),
     * skipping the unused slots (inode 0) that debugfs prints too.
     */
    public static List<DirEntry> parseLs(String text) {
        List<DirEntry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("/") || !line.endsWith("/")) {
                throw new AssertionError("unexpected ls -p line: " + line);
            }
            String[] head = line.substring(1).split("/", 5);
            String rest = head[4];
            int sizeStart = rest.lastIndexOf('/', rest.length() - 2);
            String name = rest.substring(0, sizeStart);
            String size = rest.substring(sizeStart + 1, rest.length() - 1);
            if (head[0].equals("0")) {
                // An unused slot (inode 0), e.g. a whole empty block of lost+found.
                continue;
            }
            entries.add(new DirEntry(Long.parseLong(head[0]), Integer.parseInt(head[1], 8), Long.parseLong(head[2]),
                    Long.parseLong(head[3]), name, size.isEmpty() ? 0 : Long.parseLong(size)));
        }
        return entries;
    }

    /** All extended attributes of PATH (every namespace, e.g. also system.data of inline files), name to raw value. */
    public Map<String, byte[]> eaList(String path) {
        List<String> names = parseEaNames(run("ea_list " + quote(path)));
        return eaValues(path, names);
    }

    private static final Pattern EA_LINE = Pattern.compile("(?m)^  (\\S+) \\((\\d+)\\)");

    /** The attribute names in {@code ea_list} output (values are fetched raw with ea_get -f). */
    static List<String> parseEaNames(String text) {
        List<String> names = new ArrayList<>();
        Matcher matcher = EA_LINE.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    // ea_get -f writes the value byte for byte, where ea_list would print binary values as hex or escapes.
    private Map<String, byte[]> eaValues(String path, List<String> names) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return values;
        }
        try {
            Path dir = Files.createTempDirectory("ext4j-ea");
            try {
                List<String> requests = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) {
                    requests.add("ea_get -f " + dir.resolve("v" + i) + " " + quote(path) + " " + names.get(i));
                }
                batch(requests);
                for (int i = 0; i < names.size(); i++) {
                    Path value = dir.resolve("v" + i);
                    values.put(names.get(i), Files.exists(value) ? Files.readAllBytes(value) : new byte[0]);
                    Files.deleteIfExists(value);
                }
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    /**
     * The value of one attribute as stored on disk ({@code ea_get -r}: ACLs stay in ext4's own
     * format instead of being converted to the one the system calls use).
     */
    public byte[] eaGetRaw(String path, String name) {
        try {
            Path out = Files.createTempFile("ext4j-ea", ".bin");
            try {
                run("ea_get -r -f " + quote(out.toString()) + " " + quote(path) + " " + name);
                return Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code rdump PATH DEST}: copies a directory (contents, basic modes, owners, second mtimes) out. */
    public void rdump(String path, Path destDir) {
        run("rdump " + quote(path) + " " + quote(destDir.toString()));
    }

    /**
     * {@code htree_dump DIR} as text; throws if the directory is not hash-indexed. Without
     * metadata_csum, debugfs 1.47.0 complains that the root block "does not have space for
     * checksum" and then dumps the whole tree anyway: that complaint is ignored.
     */
    public String htreeDump(String directory) {
        return run("htree_dump " + quote(directory), "does not have space for checksum");
    }

    /** The contents of a file, through {@code dump} (binary-safe). */
    public byte[] cat(String path) {
        try {
            Path out = Files.createTempFile("ext4j-dump", ".bin");
            try {
                run("dump " + quote(path) + " " + quote(out.toString()));
                byte[] data = Files.readAllBytes(out);
                long size = stat(path).size();
                // debugfs 1.47.0 dumps an inline-data file of under 60 bytes as all 60 bytes of i_block.
                return data.length > size ? Arrays.copyOf(data, (int) size) : data;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code blocks PATH}: the physical data blocks of a file in logical order (holes omitted). */
    public List<Long> blocks(String path) {
        List<Long> blocks = new ArrayList<>();
        for (String word : run("blocks " + quote(path)).trim().split("\\s+")) {
            if (!word.isEmpty()) {
                blocks.add(Long.parseLong(word));
            }
        }
        return blocks;
    }

    /** {@code bmap PATH LBLK}: the physical block of a logical block, 0 for a hole. */
    public long bmap(String path, long lblk) {
        return Long.parseLong(run("bmap " + quote(path) + " " + lblk).trim());
    }

    /** One line of {@code dump_extents}: an index entry (level below maxLevel) or a leaf extent. */
    public record ExtentLine(int level, int maxLevel, long lblkStart, long lblkEnd, long pblk, long length,
                             boolean uninit) {

        /** True for a leaf extent, false for an index entry. */
        public boolean isLeaf() {
            return level == maxLevel;
        }
    }

    private static final Pattern EX_LEAF = Pattern.compile(
            "^\\s*(\\d+)/\\s*(\\d+)\\s+\\d+/\\s*\\d+\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+)\\s*(.*)$");
    private static final Pattern EX_INDEX = Pattern.compile(
            "^\\s*(\\d+)/\\s*(\\d+)\\s+\\d+/\\s*\\d+\\s+(\\d+) -\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");

    /**
     * Every line of {@code dump_extents PATH} (index entries and leaf extents), in the order
     * printed; none for a file with an indirect block map (debugfs's complaint about it is not an error).
     */
    public List<ExtentLine> extents(String path) {
        List<ExtentLine> lines = new ArrayList<>();
        for (String line : run("dump_extents " + quote(path), "does not uses extent block maps").split("\n")) {
            Matcher leaf = EX_LEAF.matcher(line);
            Matcher index = EX_INDEX.matcher(line);
            if (leaf.matches()) {
                lines.add(new ExtentLine(Integer.parseInt(leaf.group(1)), Integer.parseInt(leaf.group(2)),
                        Long.parseLong(leaf.group(3)), Long.parseLong(leaf.group(4)), Long.parseLong(leaf.group(5)),
                        Long.parseLong(leaf.group(7)), leaf.group(8).contains("Uninit")));
            } else if (index.matches()) {
                lines.add(new ExtentLine(Integer.parseInt(index.group(1)), Integer.parseInt(index.group(2)),
                        Long.parseLong(index.group(3)), Long.parseLong(index.group(4)), Long.parseLong(index.group(5)),
                        Long.parseLong(index.group(6)), false));
            }
        }
        return lines;
    }

    private static final Pattern STAT_RANGE = Pattern.compile("\\((\\d+)(?:-(\\d+))?\\):(\\d+)(?:-(\\d+))?");

    /**
     * The physical block of each logical block in [0, fileBlocks), 0 for a hole, from the BLOCKS
     * or EXTENTS section of {@code stat PATH} (one process, unlike {@link #bmap} per block). Tree
     * and indirect blocks ((ETB0), (IND)...) are left out.
     */
    public long[] blockMap(String path, int fileBlocks) {
        String stat = run("stat " + quote(path));
        int at = Math.max(stat.indexOf("BLOCKS:"), stat.indexOf("EXTENTS:"));
        long[] map = new long[fileBlocks];
        if (at < 0) {
            return map;
        }
        Matcher matcher = STAT_RANGE.matcher(stat.substring(at));
        while (matcher.find()) {
            long first = Long.parseLong(matcher.group(1));
            long last = matcher.group(2) == null ? first : Long.parseLong(matcher.group(2));
            long pblk = Long.parseLong(matcher.group(3));
            for (long l = first; l <= last && l < fileBlocks; l++) {
                map[(int) l] = pblk + (l - first);
            }
        }
        return map;
    }

    /**
     * Copies the whole image into {@code dest} (an empty or absent directory) as faithfully as a
     * local filesystem allows: rdump for contents, then, from {@code ls -p}, {@code stat} and
     * {@code ea_get}, hard links, device nodes, fifos, sockets, user.* xattrs, full modes, owners
     * and nanosecond mtimes. Atime and ctime are not copied. Must run as root.
     */
    public void exportTree(Path dest) {
        try {
            Files.createDirectories(dest);
            rdump("/", dest);
            List<Exported> entries = walk();
            Map<Long, InodeStat> stats = statAll(entries);
            Map<Long, String> firstName = new HashMap<>();
            for (Exported entry : entries) {
                Path local = dest.resolve(entry.path);
                int type = entry.entry.fileType();
                String first = firstName.putIfAbsent(entry.entry.ino(), entry.path);
                if (first != null && type != 0040000) {
                    Files.deleteIfExists(local);
                    Files.createLink(local, dest.resolve(first));
                    continue;
                }
                InodeStat stat = stats.get(entry.entry.ino());
                switch (type) {
                    case 0020000, 0060000 -> {
                        Files.deleteIfExists(local);
                        int[] device = deviceNumber(stat);
                        Tools.runOk(List.of("mknod", local.toString(), type == 0020000 ? "c" : "b",
                                Integer.toString(device[0]), Integer.toString(device[1])));
                    }
                    case 0010000 -> {
                        Files.deleteIfExists(local);
                        Tools.runOk(List.of("mkfifo", local.toString()));
                    }
                    case 0140000 -> {
                        Files.deleteIfExists(local);
                        SourceTree.createSocket(local);
                    }
                    case 0100000 -> {
                        // rdump (1.47.0) writes an inline-data file of under 60 bytes as all 60 bytes of i_block.
                        if (Files.size(local) > stat.size()) {
                            try (FileChannel channel = FileChannel.open(local, StandardOpenOption.WRITE)) {
                                channel.truncate(stat.size());
                            }
                        }
                    }
                    default -> {
                        // Directories and symlinks came from rdump as they are.
                    }
                }
            }
            copyXattrs(entries, dest);
            // Owners before modes (chown clears setuid), and mtimes last, deepest first, because
            // every change inside a directory moves its mtime.
            List<Exported> deepestFirst = new ArrayList<>(entries);
            deepestFirst.sort(Comparator.comparingInt((Exported e) -> e.depth).reversed());
            for (Exported entry : deepestFirst) {
                Path local = dest.resolve(entry.path);
                InodeStat stat = stats.get(entry.entry.ino());
                Files.setAttribute(local, "unix:uid", (int) stat.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(local, "unix:gid", (int) stat.gid(), LinkOption.NOFOLLOW_LINKS);
                if (entry.entry.fileType() != 0120000) {
                    Files.setAttribute(local, "unix:mode", stat.mode());
                }
            }
            for (Exported entry : deepestFirst) {
                InodeStat stat = stats.get(entry.entry.ino());
                SourceTree.setMtime(dest.resolve(entry.path), stat.mtime());
            }
            InodeStat root = stat("<2>");
            Files.setAttribute(dest, "unix:uid", (int) root.uid());
            Files.setAttribute(dest, "unix:gid", (int) root.gid());
            Files.setAttribute(dest, "unix:mode", root.mode());
            SourceTree.setMtime(dest, root.mtime());
        } catch (IOException e) {
            throw new UncheckedIOException("exporting " + image + " to " + dest, e);
        }
    }

    /** One name in the image: its path relative to the root, depth, and ls -p entry. */
    private record Exported(String path, int depth, DirEntry entry) {
    }

    // Breadth-first over the directories, one debugfs process per level.
    private List<Exported> walk() {
        List<Exported> all = new ArrayList<>();
        List<Exported> level = List.of(new Exported("", 0, new DirEntry(2, 0040755, 0, 0, "", 0)));
        for (int depth = 1; !level.isEmpty(); depth++) {
            if (depth > 4096) {
                throw new AssertionError("directory tree deeper than 4096 levels in " + image);
            }
            List<String> requests = new ArrayList<>();
            for (Exported dir : level) {
                requests.add("ls -p <" + dir.entry.ino() + ">");
            }
            List<String> outputs = batch(requests);
            List<Exported> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i++) {
                for (DirEntry child : parseLs(outputs.get(i))) {
                    if (child.name().equals(".") || child.name().equals("..")) {
                        continue;
                    }
                    String parent = level.get(i).path;
                    Exported exported = new Exported(parent.isEmpty() ? child.name() : parent + "/" + child.name(), depth, child);
                    all.add(exported);
                    if (child.fileType() == 0040000) {
                        next.add(exported);
                    }
                }
            }
            level = next;
        }
        return all;
    }

    private Map<Long, InodeStat> statAll(List<Exported> entries) {
        List<Long> inodes = entries.stream().map(e -> e.entry.ino()).distinct().toList();
        List<String> outputs = batch(inodes.stream().map(ino -> "stat <" + ino + ">").toList());
        Map<Long, InodeStat> stats = new HashMap<>();
        for (int i = 0; i < inodes.size(); i++) {
            if (!outputs.get(i).startsWith("Inode: " + inodes.get(i) + " ")) {
                throw new AssertionError("debugfs stat <" + inodes.get(i) + "> of " + image + " printed:\n" + outputs.get(i));
            }
            stats.put(inodes.get(i), parseStat(outputs.get(i)));
        }
        return stats;
    }

    private static final Pattern DEVICE = Pattern.compile("Device major/minor number: (\\d+):(\\d+)");

    private static int[] deviceNumber(InodeStat stat) {
        Matcher matcher = DEVICE.matcher(stat.text());
        if (!matcher.find()) {
            throw new AssertionError("no device number in stat of inode " + stat.ino() + ":\n" + stat.text());
        }
        // The first pair is decimal; the pair after "hex" repeats it in hexadecimal.
        return new int[] {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))};
    }

    private void copyXattrs(List<Exported> entries, Path dest) throws IOException {
        List<Exported> candidates = entries.stream()
                .filter(e -> e.entry.fileType() == 0100000 || e.entry.fileType() == 0040000).toList();
        List<String> lists = batch(candidates.stream().map(e -> "ea_list <" + e.entry.ino() + ">").toList());
        Map<Long, Boolean> done = new HashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            Exported entry = candidates.get(i);
            List<String> user = parseEaNames(lists.get(i)).stream().filter(n -> n.startsWith("user.")).toList();
            if (user.isEmpty() || done.put(entry.entry.ino(), true) != null) {
                continue;
            }
            UserDefinedFileAttributeView view = Files.getFileAttributeView(dest.resolve(entry.path),
                    UserDefinedFileAttributeView.class);
            for (Map.Entry<String, byte[]> value : eaValues("<" + entry.entry.ino() + ">", user).entrySet()) {
                view.write(value.getKey().substring("user.".length()), ByteBuffer.wrap(value.getValue()));
            }
        }
    }

    /** The inode number a path resolves to, if it exists. */
    public Optional<Long> lookup(String path) {
        Tools.Result result = Tools.run(List.of("debugfs", "-R", "stat " + quote(path), image.toString()), TIMEOUT, ENVIRONMENT);
        if (!withoutBanner(result.stderr()).isBlank()) {
            return Optional.empty();
        }
        return Optional.of(parseStat(result.stdout()).ino());
    }
}
