package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.FsckReport;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage, then write: hundreds of small images (ext4 with and without metadata_csum, ext3, ext2)
 * are damaged at random, by debugfs (which keeps checksums valid, so only consistency checks can
 * notice: block and inode pointers aimed at metadata, descriptors moved, bitmap bits flipped,
 * counts changed, inodes cleared) and by raw byte flips in metadata blocks, and then a workload of
 * creates, writes, appends, truncates, renames, links, unlinks, xattrs and directory changes runs
 * through the core, each operation allowed to fail with an errno. Afterwards e2fsck must find no
 * more problems than before, and the core must not have crashed, hung or thrown anything but an
 * errno. Damage that makes a file own blocks its bitmap calls free (or two files share blocks) is
 * counted but not judged: no allocator sees it without reading every file's map (see
 * {@link FsckReport#hasUnseenOwnership}). Each case is reproducible from its seed ({@code -Dext4j.damage.seed=S -Dext4j.damage.cases=N
 * -Dext4j.damage.first=K}).
 */
class DamageThenWriteFuzzTest {
    private static final int CASES = Integer.getInteger("ext4j.damage.cases", 320);
    private static final int FIRST = Integer.getInteger("ext4j.damage.first", 0);
    private static final long SEED = Long.getLong("ext4j.damage.seed", 20261206L);
    private static final int TIMEOUT_SECONDS = 30;

    /** One layout: its mkfs options and the facts about it that damage is aimed with. */
    private record Template(String name, Path image, long blocks, long inodes, List<Long> metadata, List<Long> journal,
                            List<Long> fileBlocks, boolean extents) {
    }

    @TempDir
    static Path dir;
    private static final List<Template> TEMPLATES = new ArrayList<>();
    private static ExecutorService runner;

    @BeforeAll
    static void templates() throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("dir/sub"));
        Random r = new Random(7);
        for (int i = 0; i < 30; i++) {
            Files.write(src.resolve("dir/file-with-a-longer-name-" + i), bytes(r, 1 + r.nextInt(3000)));
        }
        Files.write(src.resolve("small"), bytes(r, 300));
        Files.write(src.resolve("big"), bytes(r, 70000));
        try (RandomAccessFile sparse = new RandomAccessFile(src.resolve("sparse").toFile(), "rw")) {
            sparse.seek(200_000);
            sparse.write(bytes(r, 5000));
        }
        Files.writeString(src.resolve("dir/sub/deep"), "deep\n");
        Files.createSymbolicLink(src.resolve("fast-link"), Path.of("small"));
        Files.createSymbolicLink(src.resolve("slow-link"), Path.of("dir/sub/" + "x".repeat(80)));
        Files.createLink(src.resolve("hard"), src.resolve("small"));
        Files.write(dir.resolve("value"), bytes(r, 400));
        String[][] layouts = {
                {"ext4-csum", "-t", "ext4", "-b", "1024"},
                {"ext4-nocsum", "-t", "ext4", "-b", "1024", "-O", "^metadata_csum"},
                {"ext3", "-t", "ext3", "-b", "1024"},
                {"ext2", "-t", "ext2", "-b", "1024"},
        };
        for (String[] layout : layouts) {
            Path image = dir.resolve(layout[0] + ".img");
            List<String> options = new ArrayList<>(List.of(layout).subList(1, layout.length));
            options.addAll(List.of("-N", "128", "-g", "1024", "-d", src.toString()));
            ImageFactory.mkfs(image, "4M", options.toArray(String[]::new));
            Debugfs debugfs = new Debugfs(image);
            debugfs.write(List.of("ea_set -f " + dir.resolve("value") + " /small user.big", "ea_set /big user.small tiny"));
            ImageFactory.requireClean(image);
            TEMPLATES.add(describe(layout[0], image, debugfs, !layout[0].startsWith("ext2") && !layout[0].startsWith("ext3")));
        }
        runner = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "damage-workload");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.shutdownNow();
        }
    }

    private static final Pattern AT = Pattern.compile("(?:at|descriptors at|table at|GDT blocks at) (\\d+)(?:-(\\d+))?");

    /** Reads, from dumpe2fs and debugfs, where the metadata, the journal and some file blocks are. */
    private static Template describe(String name, Path image, Debugfs debugfs, boolean extents) {
        List<Long> metadata = new ArrayList<>();
        for (String line : Tools.runOk(List.of("dumpe2fs", image.toString())).stdout().split("\n")) {
            String t = line.trim();
            if (t.startsWith("Primary superblock") || t.startsWith("Backup superblock") || t.startsWith("Reserved GDT")
                    || t.startsWith("Block bitmap") || t.startsWith("Inode bitmap") || t.startsWith("Inode table")) {
                for (String part : t.split(",")) {
                    Matcher m = AT.matcher(part);
                    if (m.find()) {
                        long a = Long.parseLong(m.group(1));
                        long b = m.group(2) != null ? Long.parseLong(m.group(2)) : a;
                        metadata.add(a);
                        if (b != a) {
                            metadata.add(b);
                            metadata.add((a + b) / 2);
                        }
                    }
                }
            }
        }
        List<Long> journal = name.equals("ext2") ? List.of() : debugfs.blocks("<8>").subList(0, 8);
        List<Long> fileBlocks = new ArrayList<>(debugfs.blocks("/big"));
        fileBlocks.addAll(debugfs.blocks("/dir"));
        fileBlocks.addAll(debugfs.blocks("/small"));
        long blocks = Long.parseLong(Tools.dumpe2fsField(image, "Block count"));
        long inodes = Long.parseLong(Tools.dumpe2fsField(image, "Inode count"));
        return new Template(name, image, blocks, inodes, metadata, journal, fileBlocks, extents);
    }

    @Test
    void writesThroughDamageNeverMakeAnImageWorse() throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = FIRST; i < FIRST + CASES; i++) {
            Random rng = new Random(SEED * 1_000_003L + i);
            Template t = TEMPLATES.get(i % TEMPLATES.size());
            Path image = dir.resolve("case.img");
            Files.copy(t.image(), image, StandardCopyOption.REPLACE_EXISTING);
            List<String> damage = damage(rng, t, image);
            Path damaged = dir.resolve("case-damaged.img");
            Files.copy(image, damaged, StandardCopyOption.REPLACE_EXISTING);
            FsckReport before = FsckReport.of(image);
            Future<String> run = runner.submit(() -> workload(image, new Random(rng.nextLong())));
            String outcome;
            try {
                outcome = run.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                run.cancel(true);
                failures.add(caseName(i, t) + " hung (" + damage + ")");
                continue;
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(caseName(i, t) + " threw " + e.getCause() + " (" + damage + ")\n" + stack(e.getCause()));
                continue;
            }
            FsckReport after = FsckReport.of(image);
            if (before.hasUnseenOwnership(damaged)) {
                // Blocks a file owns but the bitmap calls free: see FsckReport.hasUnseenOwnership.
                outcomes.merge("outside the promise: unseen block ownership", 1, Integer::sum);
                continue;
            }
            outcomes.merge(outcome, 1, Integer::sum);
            String worse = after.worseThan(before);
            if (worse != null) {
                Path keep = dir.getParent().resolve("ext4j-damage-" + SEED + "-" + i + ".img");
                Files.copy(damaged, keep, StandardCopyOption.REPLACE_EXISTING);
                failures.add(caseName(i, t) + ": " + worse + " (exit " + before.exitCode() + " -> " + after.exitCode() + "); damage " + damage + "; workload " + outcome
                        + "; the damaged image is kept as " + keep
                        + "\nbefore:\n" + before.output() + "\nafter:\n" + after.output());
            }
        }
        System.out.println("damage-then-write outcomes: " + outcomes);
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + CASES + " cases failed (seed " + SEED + "); first ones:\n"
                    + String.join("\n----\n", failures.subList(0, Math.min(5, failures.size()))));
        }
    }

    private static String caseName(int i, Template t) {
        return "case " + i + " (" + t.name() + ", -Dext4j.damage.first=" + i + " -Dext4j.damage.cases=1)";
    }

    /** Applies one to three random damages to {@code image}; returns what was done, for the report. */
    private static List<String> damage(Random rng, Template t, Path image) throws IOException {
        List<String> done = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        int n = 1 + rng.nextInt(3);
        for (int k = 0; k < n; k++) {
            switch (rng.nextInt(7)) {
                case 0, 1 -> commands.add("sif <" + inode(rng, t) + "> " + inodeField(rng, t) + " " + value(rng, t));
                case 2 -> commands.add("set_bg 0 " + pick(rng, "block_bitmap", "inode_bitmap", "inode_table", "free_blocks_count",
                        "free_inodes_count", "used_dirs_count", "flags", "itable_unused") + " " + value(rng, t));
                case 3 -> {
                    // A bitmap that marks a file's data block free cannot be told from a true one
                    // without scanning every file (neither the kernel nor ext4j does): only blocks the
                    // system zone knows are freed; any block may be marked in use (that only leaks it).
                    boolean free = rng.nextBoolean();
                    long b = free || rng.nextBoolean() ? (t.journal().isEmpty() || rng.nextBoolean() ? pick(rng, t.metadata())
                            : pick(rng, t.journal())) : pick(rng, t.fileBlocks());
                    commands.add((free ? "freeb " : "setb ") + b + " " + (1 + rng.nextInt(4)));
                }
                case 4 -> commands.add((rng.nextBoolean() ? "freei <" : "seti <") + inode(rng, t) + ">");
                case 5 -> commands.add("clri <" + inode(rng, t) + ">");
                default -> done.add(flip(rng, t, image));
            }
        }
        if (!commands.isEmpty()) {
            Tools.Result r = Tools.run(debugfsCommand(image, commands));
            done.addAll(commands);
            if (r.exitCode() != 0) {
                done.add("(debugfs exit " + r.exitCode() + ")");
            }
        }
        return done;
    }

    /** debugfs takes one -R request; a batch goes through a command file. */
    private static List<String> debugfsCommand(Path image, List<String> commands) {
        try {
            Path file = Files.createTempFile(dir, "damage", ".cmd");
            Files.write(file, commands);
            return List.of("debugfs", "-w", "-f", file.toString(), image.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Flips one to four bytes of a metadata or directory/extent block, bypassing every checksum. */
    private static String flip(Random rng, Template t, Path image) throws IOException {
        long block = rng.nextBoolean() ? pick(rng, t.metadata()) : pick(rng, t.fileBlocks());
        StringBuilder what = new StringBuilder("flip block " + block + " @");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (int i = 1 + rng.nextInt(4); i > 0; i--) {
                long pos = block * 1024 + rng.nextInt(1024);
                f.seek(pos);
                int b = f.read();
                f.seek(pos);
                f.write(b ^ (1 << rng.nextInt(8)));
                what.append(' ').append(pos % 1024);
            }
        }
        return what.toString();
    }

    private static long inode(Random rng, Template t) {
        return rng.nextInt(10) == 0 ? 1 + rng.nextInt((int) t.inodes()) : 2 + rng.nextInt(50);
    }

    private static String inodeField(Random rng, Template t) {
        int f = rng.nextInt(10);
        return switch (f) {
            case 0, 1, 2 -> "block[" + (t.extents() ? 3 + rng.nextInt(12) : rng.nextInt(15)) + "]";
            case 3 -> "file_acl";
            case 4 -> "links_count";
            case 5 -> "size";
            case 6 -> "mode";
            case 7 -> "flags";
            case 8 -> "blocks";
            default -> "dtime";
        };
    }

    private static String value(Random rng, Template t) {
        return switch (rng.nextInt(7)) {
            case 0, 1 -> Long.toString(pick(rng, t.metadata()));
            case 2 -> t.journal().isEmpty() ? "0" : Long.toString(pick(rng, t.journal()));
            case 3 -> Long.toString(rng.nextLong(t.blocks()));
            case 4 -> "0";
            case 5 -> Long.toString(rng.nextInt(70000));
            default -> "0x" + Long.toHexString(pick(rng, List.of(0xFFFFL, 0xFFFFFFFFL, 0x8000L, 0x80000000L)));
        };
    }

    /** The workload: each operation may fail with an errno; it returns a summary of what failed how. */
    private static String workload(Path image, Random rng) throws IOException {
        Caller root = Caller.ROOT;
        long rootIno = WritableFileSystem.ROOT_INO;
        List<String> errnos = new ArrayList<>();
        PosixFileSystem v;
        try {
            v = PosixFileSystem.open(image, OpenOptions.READ_WRITE);
        } catch (Ext4Exception e) {
            return "open refused: " + e.errno();
        }
        try (v) {
            long dirIno = attempt(errnos, () -> v.lookup(root, rootIno, b("dir")).ino(), rootIno);
            byte[] data = bytes(rng, 1 + rng.nextInt(9000));
            attempt(errnos, () -> {
                WritableFileSystem.Created c = v.create(root, rootIno, b("new-file"), 0100644, 022, 01);
                v.write(root, c.attributes().ino(), c.handle(), 0, data, 0, data.length);
                v.release(c.attributes().ino(), c.handle());
                return 0L;
            }, 0L);
            attempt(errnos, () -> {
                WritableFileSystem.Created c = v.create(root, dirIno, b("created-in-dir"), 0100600, 022, 01);
                v.write(root, c.attributes().ino(), c.handle(), 5000, data, 0, Math.min(3000, data.length));
                v.release(c.attributes().ino(), c.handle());
                return 0L;
            }, 0L);
            for (String name : List.of("big", "small", "sparse")) {
                attempt(errnos, () -> {
                    Attributes a = v.lookup(root, rootIno, b(name));
                    long h = v.open(root, a.ino(), 02);
                    v.write(root, a.ino(), h, rng.nextInt(80000), data, 0, Math.min(2000, data.length));
                    v.write(root, a.ino(), h, a.size(), data, 0, Math.min(700, data.length));
                    v.release(a.ino(), h);
                    return 0L;
                }, 0L);
            }
            attempt(errnos, () -> {
                Attributes a = v.lookup(root, rootIno, b("big"));
                v.setattr(root, a.ino(), 0, org.ext4j.core.spi.SetAttr.truncate(1 + rng.nextInt(60000)));
                return 0L;
            }, 0L);
            attempt(errnos, () -> v.mkdir(root, rootIno, b("new-dir"), 0755, 022).ino(), 0L);
            attempt(errnos, () -> v.mkdir(root, dirIno, b("nested"), 0755, 022).ino(), 0L);
            attempt(errnos, () -> {
                v.rename(root, dirIno, b("file-with-a-longer-name-3"), rootIno, b("moved"), 0);
                return 0L;
            }, 0L);
            attempt(errnos, () -> {
                // As through a mount: the kernel holds a lookup on the file while it is unlinked.
                Attributes a = v.lookup(root, dirIno, b("file-with-a-longer-name-7"));
                v.retain(a.ino());
                try {
                    v.unlink(root, dirIno, b("file-with-a-longer-name-7"));
                } finally {
                    v.forget(a.ino());
                }
                return 0L;
            }, 0L);
            attempt(errnos, () -> {
                v.unlink(root, rootIno, b("hard"));
                return 0L;
            }, 0L);
            attempt(errnos, () -> {
                Attributes s = v.lookup(root, rootIno, b("small"));
                v.link(root, s.ino(), dirIno, b("another-link"));
                return 0L;
            }, 0L);
            attempt(errnos, () -> v.symlink(root, rootIno, b("new-slow-link"), b("t".repeat(100))).ino(), 0L);
            attempt(errnos, () -> {
                Attributes s = v.lookup(root, rootIno, b("small"));
                v.setxattr(root, s.ino(), "user.added", bytes(rng, 200), 0);
                v.removexattr(root, s.ino(), "user.big");
                return 0L;
            }, 0L);
            attempt(errnos, () -> {
                Attributes sub = v.lookup(root, dirIno, b("sub"));
                v.unlink(root, sub.ino(), b("deep"));
                v.rmdir(root, dirIno, b("sub"));
                return 0L;
            }, 0L);
            for (int i = 0; i < 20; i++) {
                int k = i;
                attempt(errnos, () -> {
                    WritableFileSystem.Created c = v.create(root, dirIno, b("many-" + k), 0100644, 022, 01);
                    v.release(c.attributes().ino(), c.handle());
                    return 0L;
                }, 0L);
            }
            attempt(errnos, () -> {
                v.syncfs();
                return 0L;
            }, 0L);
        } catch (Ext4Exception e) {
            errnos.add("close " + e.errno());
        }
        return errnos.isEmpty() ? "all succeeded" : "failed: " + String.join(",", new java.util.TreeSet<>(errnos));
    }

    private interface Op {
        long run() throws IOException;
    }

    private static long attempt(List<String> errnos, Op op, long otherwise) throws IOException {
        try {
            return op.run();
        } catch (Ext4Exception e) {
            errnos.add(e.errno().name());
            return otherwise;
        }
    }

    private static String stack(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        String s = w.toString();
        return s.length() > 3000 ? s.substring(0, 3000) : s;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static <T> T pick(Random rng, List<T> list) {
        return list.get(rng.nextInt(list.size()));
    }

    @SafeVarargs
    private static <T> T pick(Random rng, T... items) {
        return items[rng.nextInt(items.length)];
    }
}
