package org.ext4j.core.dir;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.spi.FileType;

/**
 * Source trees for directory tests and images made from them by mkfs.ext4 -d, re-indexed by
 * e2fsck -fyD, plus the debugfs listing the reader is compared with.
 */
final class DirImages {
    /** Entries of the big directory: enough for a multi-level-worthy htree. */
    static final int BIG_ENTRIES = 5000;

    private DirImages() {
    }

    /** One line of {@code debugfs -R "ls -p DIR"}: the oracle's view of an entry. */
    record Listed(long ino, String nameLatin1, FileType type) {
    }

    /**
     * Builds the source tree: {@code small} (file, dir, symlink, fifo), {@code names} (names of
     * every length 1..255 plus non-ASCII and non-UTF-8 names) and {@code big} (5000 entries with
     * bytes >= 0x80 in many names, so signed and unsigned hashes differ).
     */
    static Path makeTree(Path root) throws IOException, InterruptedException {
        Path src = root.resolve("src");
        Path small = Files.createDirectories(src.resolve("small"));
        Files.writeString(small.resolve("hello"), "hello\n");
        Files.createDirectories(small.resolve("sub"));
        Files.createSymbolicLink(small.resolve("link"), Path.of("hello"));
        run(List.of("mkfifo", small.resolve("fifo").toString()));
        Files.createDirectories(src.resolve("empty"));

        List<byte[]> names = new ArrayList<>();
        for (int len = 1; len <= 255; len++) {
            byte[] n = new byte[len];
            for (int i = 0; i < len; i++) {
                n[i] = (byte) ('a' + (len + i) % 26);
            }
            n[0] = (byte) ('A' + len % 26);
            if (len >= 3) {
                n[1] = (byte) ('0' + len / 100);
                n[2] = (byte) ('0' + len / 10 % 10);
            }
            if (len >= 4) {
                n[3] = (byte) ('0' + len % 10);
            }
            names.add(n);
        }
        for (String s : new String[] {"caf\u00e9", "na\u00efve", "\u65e5\u672c\u8a9e", "emoji-\ud83d\ude00", "with space", "\u00df"}) {
            names.add(s.getBytes(StandardCharsets.UTF_8));
        }
        names.add(new byte[] {'r', 'a', 'w', (byte) 0xff, (byte) 0x80, 'x'});
        touchAll(Files.createDirectories(src.resolve("names")), names);

        Random random = new Random(42);
        List<byte[]> big = new ArrayList<>();
        for (int i = 0; i < BIG_ENTRIES; i++) {
            ByteArrayOutputStream n = new ByteArrayOutputStream();
            n.writeBytes(String.format("entry-%05d-", i).getBytes(StandardCharsets.US_ASCII));
            int extra = random.nextInt(40);
            for (int k = 0; k < extra; k++) {
                n.write(random.nextInt(4) == 0 ? 0x80 + random.nextInt(0x80) : 'a' + random.nextInt(26));
            }
            big.add(n.toByteArray());
        }
        touchAll(Files.createDirectories(src.resolve("big")), big);
        return src;
    }

    /** Creates empty files with arbitrary byte names (xargs -0 passes them through untouched). */
    private static void touchAll(Path dir, List<byte[]> names) throws IOException, InterruptedException {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (byte[] n : names) {
            list.writeBytes(n);
            list.write(0);
        }
        Path listFile = dir.resolveSibling(dir.getFileName() + ".list");
        Files.write(listFile, list.toByteArray());
        run(List.of("sh", "-c", "cd \"$1\" && xargs -0 touch < \"$2\"", "sh", dir.toString(), listFile.toString()));
        Files.delete(listFile);
    }

    /**
     * Makes an image of {@code src}: mkfs.ext4 with {@code mkfsArgs}, then each of
     * {@code adjustments} (debugfs/tune2fs commands taking the image as last argument), then
     * e2fsck -fyD to (re)build every directory index, which must leave no error behind.
     */
    static Path makeImage(Path dir, String name, Path src, List<String> mkfsArgs, List<List<String>> adjustments)
            throws IOException, InterruptedException {
        Path img = dir.resolve(name + ".img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-N", "8192"));
        mkfs.addAll(mkfsArgs);
        mkfs.addAll(List.of("-d", src.toString(), img.toString(), "32M"));
        run(mkfs);
        for (List<String> step : adjustments) {
            List<String> cmd = new ArrayList<>(step);
            cmd.add(img.toString());
            run(cmd);
        }
        // Exit 1 means it changed something (it rebuilt indexes); 4 and up means it left errors.
        Result fsck = exec(List.of("e2fsck", "-fyD", img.toString()));
        assertTrue(fsck.rc() < 4, "e2fsck -fyD " + name + " exit " + fsck.rc() + ": " + fsck.out());
        return img;
    }

    /** The entries debugfs lists for {@code path} in the image. */
    static List<Listed> debugfsList(Path img, String path) throws IOException, InterruptedException {
        String out = run(List.of("debugfs", "-R", "ls -p " + path, img.toString()));
        List<Listed> entries = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.startsWith("/")) {
                continue;
            }
            // /ino/mode/uid/gid/name/size/ — a name cannot contain '/'.
            String[] f = line.split("/", -1);
            assertTrue(f.length == 8, "unexpected debugfs line: " + line);
            int mode = Integer.parseInt(f[2], 8);
            if (Long.parseLong(f[1]) == 0) {
                // debugfs also prints an unused dirent (inode 0) that starts a block; it names nothing.
                continue;
            }
            entries.add(new Listed(Long.parseLong(f[1]), f[5], FileType.fromMode(mode)));
        }
        return entries;
    }

    record Result(int rc, String out) {
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Result r = exec(command);
        assertTrue(r.rc() == 0, command + " failed (" + r.rc() + "): " + r.out());
        return r.out();
    }

    /** Runs a command; its output is decoded as ISO-8859-1 so every byte maps to one char. */
    static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        return new Result(p.exitValue(), new String(out, StandardCharsets.ISO_8859_1));
    }
}
