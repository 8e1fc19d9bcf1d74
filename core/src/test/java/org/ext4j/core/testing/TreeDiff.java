package org.ext4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

// Compares two local directory trees (a source tree, a debugfs export, a copy made through ext4j) and lists every difference.
public final class TreeDiff {

    /** How precisely modification times are compared. */
    public enum TimePrecision { IGNORE, SECONDS, NANOSECONDS }

    /**
     * What to compare besides names, types, sizes, contents and symlink targets (always compared).
     *
     * @param modes        permission and setuid/setgid/sticky bits (not of symlinks)
     * @param owners       uid and gid
     * @param mtime        modification time precision (not of symlinks when {@code symlinkTimes} is false)
     * @param hardLinks    which names share an inode
     * @param xattrs       user.* extended attributes of files and directories
     * @param specialFiles device nodes (with numbers), fifos and sockets; when false they are skipped on both sides
     * @param ignored      relative paths skipped on both sides with everything below them (e.g. "lost+found");
     *                     "." skips the attributes of the roots themselves only
     */
    public record Options(boolean modes, boolean owners, TimePrecision mtime, boolean hardLinks, boolean xattrs,
                          boolean specialFiles, Set<String> ignored) {

        /** Everything, mtimes to the nanosecond, nothing ignored. */
        public static Options strict() {
            return new Options(true, true, TimePrecision.NANOSECONDS, true, true, true, Set.of());
        }

        /** This with another mtime precision. */
        public Options withMtime(TimePrecision precision) {
            return new Options(modes, owners, precision, hardLinks, xattrs, specialFiles, ignored);
        }

        /** This with these relative paths ignored as well. */
        public Options ignoring(String... paths) {
            Set<String> all = new TreeSet<>(ignored);
            all.addAll(Arrays.asList(paths));
            return new Options(modes, owners, mtime, hardLinks, xattrs, specialFiles, Set.copyOf(all));
        }

        /** This with or without hard-link structure. */
        public Options withHardLinks(boolean value) {
            return new Options(modes, owners, mtime, value, xattrs, specialFiles, ignored);
        }

        /** This with or without xattrs. */
        public Options withXattrs(boolean value) {
            return new Options(modes, owners, mtime, hardLinks, value, specialFiles, ignored);
        }

        /** This with or without special files. */
        public Options withSpecialFiles(boolean value) {
            return new Options(modes, owners, mtime, hardLinks, xattrs, value, ignored);
        }

        /** This with or without owners. */
        public Options withOwners(boolean value) {
            return new Options(modes, value, mtime, hardLinks, xattrs, specialFiles, ignored);
        }
    }

    private TreeDiff() {
    }

    /**
     * Lists the differences between the trees under {@code expected} and {@code actual}, one
     * human-readable line each ("small/f001: size 10 != 11"), sorted by path; empty when equal. The
     * roots themselves are compared too (path ".").
     */
    public static List<String> compare(Path expected, Path actual, Options options) {
        Map<String, Entry> left = scan(expected, options);
        Map<String, Entry> right = scan(actual, options);
        List<String> differences = new ArrayList<>();
        Set<String> paths = new TreeSet<>(left.keySet());
        paths.addAll(right.keySet());
        for (String path : paths) {
            Entry a = left.get(path);
            Entry b = right.get(path);
            if (a == null) {
                differences.add(path + ": unexpected " + b.type);
            } else if (b == null) {
                differences.add(path + ": missing " + a.type);
            } else {
                compareEntry(path, a, b, options, differences);
            }
        }
        if (options.hardLinks()) {
            Map<String, Set<String>> leftGroups = linkGroups(left);
            Map<String, Set<String>> rightGroups = linkGroups(right);
            for (String path : paths) {
                if (left.containsKey(path) && right.containsKey(path)) {
                    Set<String> a = leftGroups.getOrDefault(path, Set.of(path));
                    Set<String> b = rightGroups.getOrDefault(path, Set.of(path));
                    if (!a.equals(b)) {
                        differences.add(path + ": hard links " + a + " != " + b);
                    }
                }
            }
        }
        return differences;
    }

    /** Throws an AssertionError listing the first 50 differences when the trees differ. */
    public static void assertEqual(Path expected, Path actual, Options options) {
        List<String> differences = compare(expected, actual, options);
        if (!differences.isEmpty()) {
            throw new AssertionError(differences.size() + " differences between " + expected + " and " + actual + ":\n  "
                    + differences.stream().limit(50).collect(Collectors.joining("\n  ")));
        }
    }

    private enum Type { FILE, DIRECTORY, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET }

    private record Entry(Path path, Type type, long size, int mode, int uid, int gid, FileTime mtime, long ino,
                         long dev, long rdev, int nlink) {
    }

    private static Map<String, Entry> scan(Path root, Options options) {
        Map<String, Entry> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                String relative = root.equals(path) ? "." : root.relativize(path).toString();
                if (isIgnored(relative, options.ignored())) {
                    continue;
                }
                Entry entry = read(path);
                boolean special = entry.type != Type.FILE && entry.type != Type.DIRECTORY && entry.type != Type.SYMLINK;
                if (special && !options.specialFiles()) {
                    continue;
                }
                entries.put(relative, entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("walking " + root, e);
        }
        return entries;
    }

    private static boolean isIgnored(String relative, Set<String> ignored) {
        for (String prefix : ignored) {
            if (relative.equals(prefix) || relative.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    private static Entry read(Path path) throws IOException {
        Map<String, Object> unix = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) unix.get("mode");
        Type type = switch (mode & 0170000) {
            case 0100000 -> Type.FILE;
            case 0040000 -> Type.DIRECTORY;
            case 0120000 -> Type.SYMLINK;
            case 0020000 -> Type.CHAR_DEVICE;
            case 0060000 -> Type.BLOCK_DEVICE;
            case 0010000 -> Type.FIFO;
            case 0140000 -> Type.SOCKET;
            default -> throw new IOException("unknown file type " + Integer.toOctalString(mode) + ": " + path);
        };
        return new Entry(path, type, (Long) unix.get("size"), mode & 07777, (Integer) unix.get("uid"),
                (Integer) unix.get("gid"), (FileTime) unix.get("lastModifiedTime"), (Long) unix.get("ino"),
                (Long) unix.get("dev"), (Long) unix.get("rdev"), (Integer) unix.get("nlink"));
    }

    private static void compareEntry(String path, Entry a, Entry b, Options options, List<String> out) {
        if (a.type != b.type) {
            out.add(path + ": type " + a.type + " != " + b.type);
            return;
        }
        try {
            switch (a.type) {
                case FILE -> {
                    if (a.size != b.size) {
                        out.add(path + ": size " + a.size + " != " + b.size);
                    } else {
                        long mismatch = Files.mismatch(a.path, b.path);
                        if (mismatch >= 0) {
                            out.add(path + ": contents differ from byte " + mismatch);
                        }
                    }
                }
                case SYMLINK -> {
                    String targetA = Files.readSymbolicLink(a.path).toString();
                    String targetB = Files.readSymbolicLink(b.path).toString();
                    if (!targetA.equals(targetB)) {
                        out.add(path + ": symlink target '" + targetA + "' != '" + targetB + "'");
                    }
                }
                case CHAR_DEVICE, BLOCK_DEVICE -> {
                    if (a.rdev != b.rdev) {
                        out.add(path + ": device number 0x" + Long.toHexString(a.rdev) + " != 0x" + Long.toHexString(b.rdev));
                    }
                }
                default -> {
                    // Directories are compared entry by entry; fifos and sockets have no content.
                }
            }
            if (options.modes() && a.type != Type.SYMLINK && a.mode != b.mode) {
                out.add(path + ": mode 0" + Integer.toOctalString(a.mode) + " != 0" + Integer.toOctalString(b.mode));
            }
            if (options.owners() && (a.uid != b.uid || a.gid != b.gid)) {
                out.add(path + ": owner " + a.uid + ":" + a.gid + " != " + b.uid + ":" + b.gid);
            }
            if (!sameTime(a.mtime, b.mtime, options.mtime())) {
                out.add(path + ": mtime " + a.mtime.toInstant() + " != " + b.mtime.toInstant());
            }
            if (options.xattrs() && (a.type == Type.FILE || a.type == Type.DIRECTORY)) {
                Map<String, String> xa = userXattrs(a.path);
                Map<String, String> xb = userXattrs(b.path);
                if (!xa.equals(xb)) {
                    out.add(path + ": xattrs " + abbreviate(xa) + " != " + abbreviate(xb));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("comparing " + a.path + " with " + b.path, e);
        }
    }

    private static boolean sameTime(FileTime a, FileTime b, TimePrecision precision) {
        return switch (precision) {
            case IGNORE -> true;
            case SECONDS -> a.toInstant().getEpochSecond() == b.toInstant().getEpochSecond();
            case NANOSECONDS -> a.toInstant().equals(b.toInstant());
        };
    }

    /** The user.* xattrs of a file or directory, name (with "user.") to hex value. */
    static Map<String, String> userXattrs(Path path) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
        Map<String, String> values = new TreeMap<>();
        for (String name : view.list()) {
            ByteBuffer buffer = ByteBuffer.allocate(view.size(name));
            view.read(name, buffer);
            values.put("user." + name, HexFormat.of().formatHex(buffer.array(), 0, buffer.position()));
        }
        return values;
    }

    private static String abbreviate(Map<String, String> xattrs) {
        return xattrs.entrySet().stream()
                .map(e -> e.getKey() + "=" + (e.getValue().length() > 24 ? e.getValue().substring(0, 24)
                        + "...(" + e.getValue().length() / 2 + " bytes)" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    // For every non-directory name whose inode has other names in the tree: the set of all its names.
    private static Map<String, Set<String>> linkGroups(Map<String, Entry> entries) {
        Map<List<Long>, Set<String>> byInode = new TreeMap<>(TreeDiff::compareKeys);
        entries.forEach((path, entry) -> {
            if (entry.type != Type.DIRECTORY) {
                byInode.computeIfAbsent(List.of(entry.dev, entry.ino), k -> new TreeSet<>()).add(path);
            }
        });
        Map<String, Set<String>> groups = new TreeMap<>();
        for (Set<String> group : byInode.values()) {
            if (group.size() > 1) {
                Set<String> frozen = Collections.unmodifiableSet(group);
                group.forEach(path -> groups.put(path, frozen));
            }
        }
        return groups;
    }

    private static int compareKeys(List<Long> a, List<Long> b) {
        int c = Long.compare(a.get(0), b.get(0));
        return c != 0 ? c : Long.compare(a.get(1), b.get(1));
    }
}
