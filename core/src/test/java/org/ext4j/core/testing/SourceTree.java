package org.ext4j.core.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

// A deterministic directory tree that exercises the ext4 features a driver must read: feed it to mkfs.ext4 -d.
/**
 * Generates a seeded tree (same seed, same names, contents, modes, owners and mtimes) with: a big
 * random file, sparse files, many small files, a directory big enough for an htree index, fast and
 * slow symlinks, hard links across directories, user xattrs (in-inode and in an external block),
 * device nodes, a fifo and a socket, empty files and directories, deep nesting, odd and 255-byte
 * names, files of sizes around the inline/block boundaries, special mode bits and foreign owners,
 * and nanosecond mtimes on every entry.
 *
 * <p>Needs root (mknod, chown). The path constants below say where each feature lives.
 */
public final class SourceTree {

    /** A few MiB of random bytes. */
    public static final String BIG_FILE = "big.bin";
    /** Directory of sparse files: hole-start, hole-middle, hole-end, all-hole. */
    public static final String SPARSE_DIR = "sparse";
    /** Directory of many small files f000, f001, ... */
    public static final String SMALL_DIR = "small";
    /** Directory with enough entries that e2fsck -D gives it an htree index. */
    public static final String HTREE_DIR = "htree";
    /** Symlinks: short (fast), 59/60/61-byte targets, a 200-byte (slow) target, dangling, to a directory. */
    public static final String LINKS_DIR = "links";
    /** Hard links: hardlinks/a, hardlinks/b and hardlinks/sub/c are one inode. */
    public static final String HARDLINKS_DIR = "hardlinks";
    /** Files and a directory with user xattrs; xattr/big carries a value too large for the inode. */
    public static final String XATTR_DIR = "xattr";
    /** special/char (1:3), special/block (7:0), special/fifo, special/socket. */
    public static final String SPECIAL_DIR = "special";
    /** empty/file and empty/dir. */
    public static final String EMPTY_DIR = "empty";
    /** deep/d01/d02/.../dNN/leaf. */
    public static final String DEEP_DIR = "deep";
    /** Names with spaces, UTF-8 and 255 bytes. */
    public static final String NAMES_DIR = "names";
    /** sizes/size-N for N in {@link #EDGE_SIZES}. */
    public static final String SIZES_DIR = "sizes";
    /** Files and a directory with restricted or special mode bits and foreign owners. */
    public static final String MODES_DIR = "modes";

    /** File sizes around the inline-data (60 bytes) and block (4096 bytes) boundaries. */
    public static final List<Integer> EDGE_SIZES = List.of(0, 1, 59, 60, 61, 4095, 4096, 4097);

    /**
     * Size of xattr/big's value: too big for the free space of a 256-byte inode, small enough for
     * one external 1 KiB block (a 3000-byte value makes mkfs -d fail on 1K-block images).
     */
    public static final int BIG_XATTR_SIZE = 900;

    private final long seed;
    private final int bigFileBytes;
    private final int smallFiles;
    private final int htreeEntries;
    private final int depth;

    private SourceTree(Builder builder) {
        this.seed = builder.seed;
        this.bigFileBytes = builder.bigFileBytes;
        this.smallFiles = builder.smallFiles;
        this.htreeEntries = builder.htreeEntries;
        this.depth = builder.depth;
    }

    /** A builder with the default sizes (3 MiB big file, 300 small files, 2000 htree entries, depth 20). */
    public static Builder builder() {
        return new Builder();
    }

    /** The default tree. */
    public static SourceTree standard() {
        return builder().build();
    }

    /** Options of a {@link SourceTree}. */
    public static final class Builder {
        private long seed = 0x65787434L;
        private int bigFileBytes = 3 << 20;
        private int smallFiles = 300;
        private int htreeEntries = 2000;
        private int depth = 20;

        private Builder() {
        }

        /** The seed of every random choice (contents, name lengths). */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** Size of {@link #BIG_FILE}. */
        public Builder bigFileBytes(int value) {
            bigFileBytes = value;
            return this;
        }

        /** Number of files in {@link #SMALL_DIR}. */
        public Builder smallFiles(int value) {
            smallFiles = value;
            return this;
        }

        /** Number of entries in {@link #HTREE_DIR} (a few hundred are enough for an index with 1K blocks). */
        public Builder htreeEntries(int value) {
            htreeEntries = value;
            return this;
        }

        /** Nesting depth under {@link #DEEP_DIR}. */
        public Builder depth(int value) {
            depth = value;
            return this;
        }

        /** A tree with these options. */
        public SourceTree build() {
            return new SourceTree(this);
        }
    }

    /** Number of entries in {@link #HTREE_DIR}. */
    public int htreeEntries() {
        return htreeEntries;
    }

    /**
     * Creates the tree inside {@code root}, which must be an empty (or absent) directory. Must run as
     * root for device nodes and owners.
     */
    public Path create(Path root) {
        try {
            Files.createDirectories(root);
            try (Stream<Path> existing = Files.list(root)) {
                if (existing.findAny().isPresent()) {
                    throw new IllegalArgumentException("not empty: " + root);
                }
            }
            Random random = new Random(seed);
            createBigFile(root, random);
            createSparseFiles(root.resolve(SPARSE_DIR), random);
            createSmallFiles(root.resolve(SMALL_DIR), random);
            createHtreeDir(root.resolve(HTREE_DIR), random);
            createSymlinks(root.resolve(LINKS_DIR));
            createHardLinks(root.resolve(HARDLINKS_DIR), random);
            createXattrs(root.resolve(XATTR_DIR), random);
            createSpecialFiles(root.resolve(SPECIAL_DIR));
            Files.createDirectories(root.resolve(EMPTY_DIR).resolve("dir"));
            Files.createFile(root.resolve(EMPTY_DIR).resolve("file"));
            createDeep(root.resolve(DEEP_DIR));
            createNames(root.resolve(NAMES_DIR));
            createSizes(root.resolve(SIZES_DIR), random);
            createModes(root.resolve(MODES_DIR), random);
            setTimes(root);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("creating source tree in " + root, e);
        }
    }

    private void createBigFile(Path root, Random random) throws IOException {
        Files.write(root.resolve(BIG_FILE), bytes(random, bigFileBytes));
    }

    private static void createSparseFiles(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        int mib = 1 << 20;
        // Data only after a 1 MiB hole.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("hole-start").toFile(), "rw")) {
            file.seek(mib);
            file.write(bytes(random, 70_000));
        }
        // Data, a 2 MiB hole, data.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("hole-middle").toFile(), "rw")) {
            file.write(bytes(random, 10_000));
            file.seek(2L * mib + 10_000);
            file.write(bytes(random, 5_000));
        }
        // Data, then the size extended past it without writing.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("hole-end").toFile(), "rw")) {
            file.write(bytes(random, 8_192));
            file.setLength(3L * mib);
        }
        // No data block at all.
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("all-hole").toFile(), "rw")) {
            file.setLength(5L * mib + 123);
        }
    }

    private void createSmallFiles(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < smallFiles; i++) {
            Files.write(dir.resolve(String.format("f%03d", i)), bytes(random, random.nextInt(3000)));
        }
    }

    private void createHtreeDir(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < htreeEntries; i++) {
            // Varied lengths (5..~200 bytes) spread the entries over differently sized dirents.
            String name = "e" + i + "-" + "abcdefghij".repeat(20).substring(0, random.nextInt(190));
            Files.createFile(dir.resolve(name));
        }
    }

    private static void createSymlinks(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("target"), "symlink target\n");
        Files.createSymbolicLink(dir.resolve("short"), Path.of("target"));
        // i_block holds 60 bytes: 59 is fast, 60 and beyond need a block.
        for (int length : List.of(59, 60, 61)) {
            Files.createSymbolicLink(dir.resolve("len" + length), Path.of(padded("./target", length)));
        }
        Files.createSymbolicLink(dir.resolve("long"), Path.of(padded("long-target", 200)));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("does/not/exist"));
        Files.createSymbolicLink(dir.resolve("to-dir"), Path.of("../" + SMALL_DIR));
    }

    // A relative path of exactly `length` bytes that ends in `name`, made of "./" prefixes or name padding.
    private static String padded(String name, int length) {
        StringBuilder path = new StringBuilder(name);
        while (path.length() < length) {
            path.insert(0, path.length() + 2 <= length ? "./" : "x");
        }
        return path.toString();
    }

    private static void createHardLinks(Path dir, Random random) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Path first = Files.write(dir.resolve("a"), bytes(random, 5000));
        Files.createLink(dir.resolve("b"), first);
        Files.createLink(dir.resolve("sub").resolve("c"), first);
        Path lonely = Files.write(dir.resolve("single"), bytes(random, 10));
        Files.createLink(dir.resolve("sub").resolve("single-link"), lonely);
    }

    private static void createXattrs(Path dir, Random random) throws IOException {
        Files.createDirectories(dir.resolve("dir"));
        Path small = Files.writeString(dir.resolve("small"), "has small xattrs\n");
        setXattr(small, "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
        setXattr(small, "user.binary", new byte[] {0, 1, 2, (byte) 0xff, 0x7f});
        setXattr(small, "user.empty", new byte[0]);
        Path big = Files.writeString(dir.resolve("big"), "has a big xattr\n");
        setXattr(big, "user.big", bytes(random, BIG_XATTR_SIZE));
        setXattr(big, "user.small", "s".getBytes(StandardCharsets.UTF_8));
        setXattr(dir.resolve("dir"), "user.on-dir", "directory value".getBytes(StandardCharsets.UTF_8));
    }

    private static void setXattr(Path file, String name, byte[] value) throws IOException {
        if (!name.startsWith("user.")) {
            throw new IllegalArgumentException("only user.* names: " + name);
        }
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .write(name.substring("user.".length()), ByteBuffer.wrap(value));
    }

    private static void createSpecialFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        Tools.runOk(List.of("mknod", dir.resolve("char").toString(), "c", "1", "3"));
        Tools.runOk(List.of("mknod", dir.resolve("block").toString(), "b", "7", "0"));
        Tools.runOk(List.of("mkfifo", dir.resolve("fifo").toString()));
        createSocket(dir.resolve("socket"));
    }

    /** Creates a Unix domain socket file at {@code path} (the socket itself is closed at once). */
    static void createSocket(Path path) throws IOException {
        try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.bind(UnixDomainSocketAddress.of(path));
        }
    }

    private void createDeep(Path dir) throws IOException {
        Path current = dir;
        for (int i = 1; i <= depth; i++) {
            current = current.resolve(String.format("d%02d", i));
        }
        Files.createDirectories(current);
        Files.writeString(current.resolve("leaf"), "at depth " + depth + "\n");
    }

    private static void createNames(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> names = List.of(
                "with space",
                " leading and trailing ",
                "ünïcødé-名前-🙂",
                "n".repeat(255),
                "é".repeat(127) + "x",  // 255 bytes of two-byte characters and one ASCII byte
                "dots...",
                "-dash",
                "tab\tinside",
                "#hash%percent&amp");
        for (String name : names) {
            Files.writeString(dir.resolve(name), name + "\n");
        }
    }

    private static void createSizes(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        for (int size : EDGE_SIZES) {
            Files.write(dir.resolve("size-" + size), bytes(random, size));
        }
    }

    private static void createModes(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        modeFile(dir.resolve("private"), random, 0600, 0, 0);
        modeFile(dir.resolve("exec"), random, 0755, 0, 0);
        modeFile(dir.resolve("setuid"), random, 04755, 0, 0);
        modeFile(dir.resolve("setgid"), random, 02755, 0, 0);
        modeFile(dir.resolve("none"), random, 0, 0, 0);
        modeFile(dir.resolve("owned-1000"), random, 0644, 1000, 1000);
        modeFile(dir.resolve("owned-1001-2002"), random, 0640, 1001, 2002);
        modeFile(dir.resolve("owned-big-id"), random, 0644, 100_000, 70_000);
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path owned = Files.createDirectory(dir.resolve("owned-dir"));
        Files.setAttribute(owned, "unix:uid", 1000, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(owned, "unix:gid", 1000, LinkOption.NOFOLLOW_LINKS);
        Path link = Files.createSymbolicLink(dir.resolve("owned-link"), Path.of("exec"));
        Files.setAttribute(link, "unix:uid", 1000, LinkOption.NOFOLLOW_LINKS);
    }

    private static void modeFile(Path file, Random random, int mode, int uid, int gid) throws IOException {
        Files.write(file, bytes(random, 100));
        // chown clears setuid/setgid, so the owner goes first.
        Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:mode", mode);
    }

    // Deterministic mtimes with nanoseconds; children first, since creating entries changes a directory's mtime.
    private void setTimes(Path root) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(all::add);
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed().thenComparing(Comparator.naturalOrder()));
        Instant base = Instant.parse("2021-03-04T05:06:07Z");
        for (Path path : all) {
            String relative = root.relativize(path).toString();
            long hash = relative.hashCode() ^ seed;
            Instant mtime = base.plusSeconds(Math.floorMod(hash, 86_400 * 365))
                    .plusNanos(Math.floorMod(hash * 31, 1_000_000_000L));
            setMtime(path, mtime);
        }
    }

    /**
     * Sets the mtime of any kind of file, symlinks themselves included. Only regular files and
     * directories go through the JDK, which opens the file first: that blocks on a fifo.
     */
    static void setMtime(Path path, Instant mtime) throws IOException {
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.getFileAttributeView(path, BasicFileAttributeView.class).setTimes(FileTime.from(mtime), null, null);
        } else {
            String stamp = "@" + mtime.getEpochSecond() + "." + String.format("%09d", mtime.getNano());
            Tools.runOk(List.of("touch", "-h", "-m", "-d", stamp, path.toString()));
        }
    }

    private static byte[] bytes(Random random, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        return data;
    }
}
