package org.ext4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

// Builds ext4/ext3/ext2 images with mkfs -d from a SourceTree, one per feature variant, cached for the test JVM.
/**
 * Images are made by {@code mkfs.ext4 -q -F -d SOURCE} with fixed UUID and hash seed (so two runs
 * make the same directory hashes), then {@code e2fsck -fyD} to build htree indexes (mkfs -d writes
 * every directory linear; -y exits 1 when it changed something, which is the point here), then
 * {@code e2fsck -fn} must exit 0. The 64 MiB size is explicit, and so is the block size: mke2fs
 * would otherwise pick its "small" profile (1 KiB blocks) for a filesystem this small.
 *
 * <p>What {@code mkfs.ext4 -d} (e2fsprogs 1.47.0) keeps from the source tree: contents, holes,
 * modes including setuid/setgid/sticky, owners, hard links, symlinks (fast and slow), device
 * numbers, fifos, sockets, user xattrs, 255-byte names. What it does not keep: nanoseconds of all
 * times (stored as 0), atime/ctime (ctime and crtime become the time of mkfs), and the root
 * directory's mtime (the time of mkfs; its mode and owner are copied). With inline_data it also
 * mangles sparse files that end in a hole: see {@link Variant#knownDifferences()}.
 *
 * <p>Images returned by {@link #image} are shared: never write to them; write to {@link #copyOf}.
 */
public final class ImageFactory {

    /** The feature variants: mkfs arguments beside -d, the size and the fixed -U/-E. */
    public enum Variant {
        /** ext4 as Debian's mke2fs.conf makes it: extents, flex_bg, 64bit, metadata_csum, 4 KiB blocks. */
        EXT4("-t", "ext4", "-b", "4096"),
        /** 1 KiB blocks: first data block 1, many groups, deeper extent trees. */
        EXT4_1K("-t", "ext4", "-b", "1024"),
        /** 64 KiB blocks (mkfs warns that most kernels cannot mount them; the format is valid). */
        EXT4_64K("-t", "ext4", "-b", "65536"),
        /** 128-byte inodes: no extra fields, so no nanoseconds, no crtime, no in-inode xattrs. */
        EXT4_INODE_128("-t", "ext4", "-b", "4096", "-I", "128"),
        /** Without metadata_csum (so with the older uninit_bg/gdt_csum group checksums). */
        EXT4_NO_CSUM("-t", "ext4", "-b", "4096", "-O", "^metadata_csum"),
        /** Without 64bit: 32-byte group descriptors. */
        EXT4_NO_64BIT("-t", "ext4", "-b", "4096", "-O", "^64bit"),
        /**
         * Small files, directories and symlinks stored inside the inode. mkfs -d (1.47.0) gets two
         * sparse files wrong here, see {@link #knownDifferences()}.
         */
        EXT4_INLINE_DATA("-t", "ext4", "-b", "4096", "-O", "inline_data"),
        /** meta_bg group descriptor layout instead of the resize inode. */
        EXT4_META_BG("-t", "ext4", "-b", "4096", "-O", "meta_bg,^resize_inode"),
        /** Without flex_bg: bitmaps and inode tables inside each group. */
        EXT4_NO_FLEX_BG("-t", "ext4", "-b", "4096", "-O", "^flex_bg"),
        /** Checksum seed stored in the superblock instead of derived from the UUID. */
        EXT4_CSUM_SEED("-t", "ext4", "-b", "4096", "-O", "metadata_csum_seed"),
        /** large_dir: three-level htree and directories over 2 GiB allowed. */
        EXT4_LARGE_DIR("-t", "ext4", "-b", "4096", "-O", "large_dir"),
        /** Without dir_index: every directory stays linear, however big. */
        EXT4_NO_DIR_INDEX("-t", "ext4", "-b", "4096", "-O", "^dir_index"),
        /** ext3: journal, indirect block maps, no extents. */
        EXT3("-t", "ext3", "-b", "4096"),
        /** ext2: no journal, indirect block maps. */
        EXT2("-t", "ext2", "-b", "4096");

        private final List<String> mkfsArgs;

        Variant(String... mkfsArgs) {
            this.mkfsArgs = List.of(mkfsArgs);
        }

        /** The mkfs arguments that make this variant. */
        public List<String> mkfsArgs() {
            return mkfsArgs;
        }

        /**
         * Paths (relative to the source root) where this variant's image does not hold what the
         * source tree has, through mkfs -d bugs; compare them with debugfs, not with the source.
         * With inline_data, e2fsprogs 1.47.0 stores {@code sparse/hole-end} with i_size 8192 (the
         * trailing hole is lost) and {@code sparse/all-hole} as an inline file of 60 bytes with the
         * full i_size (which e2fsck accepts, and debugfs rdump copies out as 60 bytes).
         */
        public List<String> knownDifferences() {
            return this == EXT4_INLINE_DATA
                    ? List.of(SourceTree.SPARSE_DIR + "/hole-end", SourceTree.SPARSE_DIR + "/all-hole")
                    : List.of();
        }

        /** True if directories of this variant get htree indexes. */
        public boolean hasDirIndex() {
            return this != EXT4_NO_DIR_INDEX;
        }

        /** The block size in bytes. */
        public int blockSize() {
            return Integer.parseInt(mkfsArgs.get(mkfsArgs.indexOf("-b") + 1));
        }

        /** The image size in bytes: 64 MiB, 192 MiB for 64 KiB blocks (every small file takes a block). */
        public long imageBytes() {
            return this == EXT4_64K ? 192L << 20 : 64L << 20;
        }
    }

    /** The UUID of every image, so that checksum and hash seeds are the same in every run. */
    public static final String UUID = "6578746a-0000-4000-8000-000000000001";
    /** The htree hash seed of every image. */
    public static final String HASH_SEED = "6578746a-0000-4000-8000-000000000002";
    /** Inodes per image: the source tree has about 2500 entries. */
    private static final int INODES = 8192;

    private static ImageFactory shared;

    private final Path workDir;
    private final SourceTree tree;
    private Path source;
    private final Map<Variant, CompletableFuture<Path>> images = new EnumMap<>(Variant.class);

    /** A factory that keeps its source tree and images under {@code workDir}. */
    public ImageFactory(Path workDir, SourceTree tree) {
        this.workDir = workDir;
        this.tree = tree;
    }

    /**
     * The factory shared by all test classes of this JVM: the {@link SourceTree#standard()} tree,
     * in a temporary directory deleted when the JVM exits.
     */
    public static synchronized ImageFactory shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("ext4j-images");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
                shared = new ImageFactory(dir, SourceTree.standard());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** The source tree the images are made from (created on first use). */
    public synchronized Path source() {
        if (source == null) {
            source = tree.create(workDir.resolve("source"));
        }
        return source;
    }

    /** The generator of {@link #source()}. */
    public SourceTree tree() {
        return tree;
    }

    /** The image of a variant, built on first use and then shared: read-only use only. */
    public Path image(Variant variant) {
        CompletableFuture<Path> image;
        synchronized (this) {
            image = images.get(variant);
            if (image == null) {
                image = CompletableFuture.completedFuture(build(variant));
                images.put(variant, image);
            }
        }
        try {
            return image.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof AssertionError failure) {
                throw new AssertionError("building the " + variant + " image failed: " + failure.getMessage(), failure);
            }
            throw e;
        }
    }

    /**
     * Starts building the images of these variants in the background (two at a time: mkfs -d
     * spends its time in system calls, so a second build overlaps well on a small machine).
     * {@link #image} then waits for the build it needs. Call it once from a test class's setup.
     */
    public void prefetch(Collection<Variant> variants) {
        source();
        ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "image-factory");
            thread.setDaemon(true);
            return thread;
        });
        synchronized (this) {
            for (Variant variant : variants) {
                images.computeIfAbsent(variant, v -> CompletableFuture.supplyAsync(() -> build(v), pool));
            }
        }
        pool.shutdown();
    }

    private Path build(Variant variant) {
        return build(variant, source(), workDir.resolve(variant.name().toLowerCase() + ".img"));
    }

    /** A private copy of a variant's image in {@code dir}, for tests that write. */
    public Path copyOf(Variant variant, Path dir) {
        try {
            Path copy = dir.resolve(variant.name().toLowerCase() + ".img");
            return Files.copy(image(variant), copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Builds one image of {@code variant} from {@code sourceDir} at {@code image}: mkfs -d, htree
     * indexing with e2fsck -fyD (variants with dir_index), and a clean e2fsck -fn (else AssertionError).
     */
    public static Path build(Variant variant, Path sourceDir, Path image) {
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(variant.mkfsArgs());
        mkfs.addAll(List.of("-N", Integer.toString(INODES), "-U", UUID, "-E", "hash_seed=" + HASH_SEED,
                "-d", sourceDir.toString(), image.toString(), Long.toString(variant.imageBytes() / 1024) + "k"));
        Duration timeout = Duration.ofSeconds(120);
        Tools.run(mkfs, timeout).requireExit(0);
        if (variant.hasDirIndex()) {
            // 0: nothing to change, 1: directories were indexed; anything else is a real problem.
            Tools.run(List.of("e2fsck", "-fyD", image.toString()), timeout).requireExit(0, 1);
        }
        requireClean(image);
        return image;
    }

    /**
     * Makes a plain image with {@code mkfs.ext4 -q -F OPTIONS IMAGE SIZE} (options such as "-t ext2",
     * "-O inline_data" or "-d SOURCE"; size as mke2fs takes it, e.g. "16M") and returns it. For tests
     * that need an image of their own rather than one of the shared {@link Variant}s.
     */
    public static Path mkfs(Path image, String size, String... options) {
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(List.of(options));
        mkfs.addAll(List.of(image.toString(), size));
        Tools.run(mkfs, Duration.ofSeconds(120)).requireExit(0);
        return image;
    }

    /** Asserts that {@code e2fsck -fn IMAGE} exits 0 (no problem found). */
    public static void requireClean(Path image) {
        Tools.run(List.of("e2fsck", "-fn", image.toString()), Duration.ofSeconds(120)).requireExit(0);
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // A shutdown hook has nobody to report to but stderr; the directory is only temporary.
            System.err.println("ext4j: could not delete " + dir + ": " + e);
        }
    }
}
