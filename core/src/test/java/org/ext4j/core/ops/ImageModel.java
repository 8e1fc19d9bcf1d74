package org.ext4j.core.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.spi.FileType;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.testing.Debugfs;

// Reads a whole image through debugfs into a ModelFileSystem, and diffs two models: the oracle at both ends of a random run.
final class ImageModel {
    /** The xattr namespaces the model keeps (system.data of inline files and ACLs are the implementation's). */
    private static final List<String> MODELLED_XATTRS = List.of("user.", "trusted.", "security.");
    private static final Pattern DEVICE = Pattern.compile("Device major/minor number: (\\d+):(\\d+)");
    private static final Pattern FAST_LINK = Pattern.compile("Fast link dest: \"(.*)\"", Pattern.DOTALL);
    private static final Pattern EA_NAME = Pattern.compile("(?m)^  (\\S+) \\((\\d+)\\)");

    private ImageModel() {
    }

    /** Every inode reachable from the root of {@code image}, as debugfs sees it. */
    static ModelFileSystem load(Path image, ModelFileSystem.Limits limits, Clock clock) {
        Debugfs debugfs = new Debugfs(image);
        ModelFileSystem model = new ModelFileSystem(limits, clock);
        Map<Long, Map<String, Long>> children = new HashMap<>();
        List<Long> level = List.of(2L);
        Set<Long> seen = new TreeSet<>(List.of(2L));
        Map<Long, Long> parents = new HashMap<>(Map.of(2L, 2L));
        for (int depth = 0; !level.isEmpty(); depth++) {
            if (depth > 10_000) {
                throw new AssertionError("directory tree of " + image + " deeper than 10000");
            }
            List<String> outputs = debugfs.batch(level.stream().map(ino -> "ls -p <" + ino + ">").toList());
            List<Long> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i++) {
                Map<String, Long> names = new HashMap<>();
                for (Debugfs.DirEntry e : Debugfs.parseLs(outputs.get(i))) {
                    if (e.name().equals(".") || e.name().equals("..")) {
                        continue;
                    }
                    names.put(ModelFileSystem.key(e.name().getBytes(StandardCharsets.UTF_8)), e.ino());
                    if (e.fileType() == ModelFileSystem.S_IFDIR && seen.add(e.ino())) {
                        next.add(e.ino());
                        parents.put(e.ino(), level.get(i));
                    }
                    seen.add(e.ino());
                }
                children.put(level.get(i), names);
            }
            level = next;
        }
        List<Long> inodes = new ArrayList<>(seen);
        List<String> stats = debugfs.batch(inodes.stream().map(ino -> "stat <" + ino + ">").toList());
        List<Long> withData = new ArrayList<>();
        for (int i = 0; i < inodes.size(); i++) {
            Debugfs.InodeStat st = Debugfs.parseStat(stats.get(i));
            ModelFileSystem.Node n = model.put(inodes.get(i), st.mode() | typeBits(st.type()));
            n.uid = st.uid();
            n.gid = st.gid();
            n.nlink = st.links();
            n.size = st.size();
            n.flags = (int) st.flags();
            n.atime = timestamp(st.atime());
            n.mtime = timestamp(st.mtime());
            n.ctime = timestamp(st.ctime());
            Matcher device = DEVICE.matcher(st.text());
            if (device.find() && (n.type() == FileType.CHAR_DEVICE || n.type() == FileType.BLOCK_DEVICE)) {
                n.rdevMajor = Integer.parseInt(device.group(1));
                n.rdevMinor = Integer.parseInt(device.group(2));
            }
            if (n.isDir()) {
                n.children.putAll(children.get(n.ino));
                n.parent = parents.get(n.ino);
            }
            Matcher fast = FAST_LINK.matcher(st.text());
            if (n.type() == FileType.SYMLINK && fast.find()) {
                n.target = Arrays.copyOf(fast.group(1).getBytes(StandardCharsets.UTF_8), (int) n.size);
            } else if (n.type() == FileType.REGULAR || n.type() == FileType.SYMLINK) {
                withData.add(n.ino);
            }
        }
        loadData(debugfs, model, withData);
        loadXattrs(debugfs, model, inodes);
        return model;
    }

    private static int typeBits(String type) {
        return switch (type) {
            case "regular" -> ModelFileSystem.S_IFREG;
            case "directory" -> ModelFileSystem.S_IFDIR;
            case "symlink" -> ModelFileSystem.S_IFLNK;
            case "character special" -> ModelFileSystem.S_IFCHR;
            case "block special" -> ModelFileSystem.S_IFBLK;
            case "FIFO" -> ModelFileSystem.S_IFIFO;
            case "socket" -> ModelFileSystem.S_IFSOCK;
            default -> throw new AssertionError("debugfs type " + type);
        };
    }

    private static Timestamp timestamp(Instant i) {
        return i == null ? null : new Timestamp(i.getEpochSecond(), i.getNano());
    }

    private static void loadData(Debugfs debugfs, ModelFileSystem model, List<Long> inodes) {
        try {
            Path dir = Files.createTempDirectory("ext4j-model");
            try {
                debugfs.batch(inodes.stream().map(ino -> "dump <" + ino + "> " + dir.resolve(Long.toString(ino))).toList());
                int bs = model.limits().blockSize();
                for (long ino : inodes) {
                    Path file = dir.resolve(Long.toString(ino));
                    byte[] data = Files.readAllBytes(file);
                    ModelFileSystem.Node n = model.node(ino);
                    // debugfs dumps small inline files as all 60 bytes of i_block.
                    data = Arrays.copyOf(data, (int) Math.min(data.length, n.size));
                    if (n.type() == FileType.SYMLINK) {
                        n.target = data;
                    } else {
                        for (int off = 0; off < data.length; off += bs) {
                            byte[] page = Arrays.copyOfRange(data, off, off + bs);
                            if (!isZero(page)) {
                                n.pages.put((long) off / bs, page);
                            }
                        }
                    }
                    Files.delete(file);
                }
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void loadXattrs(Debugfs debugfs, ModelFileSystem model, List<Long> inodes) {
        List<String> lists = debugfs.batch(inodes.stream().map(ino -> "ea_list <" + ino + ">").toList());
        List<String> requests = new ArrayList<>();
        List<Object[]> wanted = new ArrayList<>();
        try {
            Path dir = Files.createTempDirectory("ext4j-ea");
            try {
                for (int i = 0; i < inodes.size(); i++) {
                    Matcher m = EA_NAME.matcher(lists.get(i));
                    while (m.find()) {
                        String name = m.group(1);
                        if (MODELLED_XATTRS.stream().anyMatch(name::startsWith)) {
                            Path out = dir.resolve("v" + wanted.size());
                            requests.add("ea_get -f " + out + " <" + inodes.get(i) + "> " + name);
                            wanted.add(new Object[] {inodes.get(i), name, out});
                        }
                    }
                }
                debugfs.batch(requests);
                for (Object[] w : wanted) {
                    Path out = (Path) w[2];
                    byte[] value = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
                    model.node((Long) w[0]).xattrs.put((String) w[1], value);
                    Files.deleteIfExists(out);
                }
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every difference between the model the operations built ({@code expected}) and the one read
     * back from the image ({@code actual}), one line each; empty when they agree.
     */
    static List<String> diff(ModelFileSystem expected, ModelFileSystem actual, boolean clockTolerance) {
        List<String> out = new ArrayList<>();
        Set<Long> all = new TreeSet<>(reachable(expected));
        all.addAll(reachable(actual));
        for (long ino : all) {
            ModelFileSystem.Node e = expected.node(ino);
            ModelFileSystem.Node a = actual.node(ino);
            String where = "inode " + ino + " (" + expected.pathOf(ino) + ")";
            if (e == null || e.nlink == 0 && ino != 2) {
                out.add(where + ": on the image but not in the model");
                continue;
            }
            if (a == null) {
                out.add(where + ": in the model but not on the image");
                continue;
            }
            for (String d : AttrView.of(expected.attributes(e)).differences(AttrView.of(actual.attributes(a)), clockTolerance)) {
                out.add(where + ": " + d);
            }
            if (e.isDir() && !e.children.equals(a.children)) {
                Set<String> names = new TreeSet<>(e.children.keySet());
                names.addAll(a.children.keySet());
                for (String name : names) {
                    if (!java.util.Objects.equals(e.children.get(name), a.children.get(name))) {
                        out.add(where + ": entry " + Op.show(ModelFileSystem.bytes(name)) + " -> "
                                + e.children.get(name) + " != " + a.children.get(name));
                    }
                }
            }
            if (e.type() == FileType.SYMLINK && !Arrays.equals(e.target, a.target)) {
                out.add(where + ": symlink target differs");
            }
            if (e.type() == FileType.REGULAR && e.size == a.size) {
                long mismatch = contentMismatch(expected, e, actual, a);
                if (mismatch >= 0) {
                    out.add(where + ": content differs at byte " + mismatch);
                }
            }
            if (!sameXattrs(e.xattrs, a.xattrs)) {
                out.add(where + ": xattrs " + e.xattrs.keySet() + " != " + a.xattrs.keySet() + " (or values differ)");
            }
        }
        return out;
    }

    private static List<Long> reachable(ModelFileSystem m) {
        List<Long> out = new ArrayList<>();
        java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>(List.of(2L));
        Set<Long> seen = new TreeSet<>(List.of(2L));
        out.add(2L);
        while (!queue.isEmpty()) {
            ModelFileSystem.Node d = m.node(queue.poll());
            for (long child : d.children.values()) {
                if (seen.add(child)) {
                    out.add(child);
                    ModelFileSystem.Node c = m.node(child);
                    if (c != null && c.isDir()) {
                        queue.add(child);
                    }
                }
            }
        }
        return out;
    }

    private static long contentMismatch(ModelFileSystem em, ModelFileSystem.Node e, ModelFileSystem am, ModelFileSystem.Node a) {
        int chunk = 1 << 16;
        byte[] x = new byte[chunk];
        byte[] y = new byte[chunk];
        for (long pos = 0; pos < e.size; pos += chunk) {
            int n = (int) Math.min(chunk, e.size - pos);
            em.readContent(e, pos, x, 0, n);
            am.readContent(a, pos, y, 0, n);
            int m = Arrays.mismatch(x, 0, n, y, 0, n);
            if (m >= 0) {
                return pos + m;
            }
        }
        return -1;
    }

    private static boolean sameXattrs(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        return a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
    }
}
