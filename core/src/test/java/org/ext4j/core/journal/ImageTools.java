package org.ext4j.core.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongUnaryOperator;

/** Runs e2fsprogs and other tools on test images; their output is the oracle the journal tests compare with. */
final class ImageTools {
    private ImageTools() {
    }

    record Result(int exit, String out, String err) {
    }

    static Result run(String... command) {
        org.ext4j.core.testing.Tools.Result r = org.ext4j.core.testing.Tools.run(List.of(command));
        return new Result(r.exitCode(), r.stdout(), r.stderr());
    }

    /** Runs {@code command} and fails unless it exits 0. */
    static String check(String... command) {
        return org.ext4j.core.testing.Tools.runOk(List.of(command)).stdout();
    }

    /** debugfs -w with {@code script} as its command file; fails if a command printed an error. */
    static void debugfsWrite(Path image, String script) throws IOException, InterruptedException {
        Path cmds = Files.createTempFile(image.getParent(), "debugfs", ".cmd");
        Files.writeString(cmds, script);
        Result r = run("debugfs", "-w", "-f", cmds.toString(), image.toString());
        // debugfs exits 0 even when a command fails; its errors name the command on stderr.
        String errors = r.err().lines().filter(l -> !l.startsWith("debugfs ")).reduce("", (a, b) -> a + b + "\n");
        if (r.exit() != 0 || !errors.isBlank()) {
            throw new IOException("debugfs script failed: " + r.out() + r.err());
        }
    }

    /** Physical blocks of {@code spec} ("/path" or "<8>") in logical order, as debugfs prints them. */
    static long[] blocks(Path image, String spec) throws IOException, InterruptedException {
        String out = check("debugfs", "-R", "blocks " + spec, image.toString()).trim();
        return Arrays.stream(out.split("\\s+")).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
    }

    /** The journal inode's block map as debugfs sees it. */
    static LongUnaryOperator journalMap(long[] journalBlocks) {
        return jblk -> {
            if (jblk < 0 || jblk >= journalBlocks.length) {
                throw new IllegalArgumentException("journal block " + jblk + " is not mapped");
            }
            return journalBlocks[(int) jblk];
        };
    }

    /** A field of {@code dumpe2fs -h}, e.g. "Block count". */
    static String dumpe2fsField(Path image, String field) throws IOException, InterruptedException {
        for (String line : check("dumpe2fs", "-h", image.toString()).split("\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IOException("dumpe2fs -h prints no " + field);
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Numbers of the {@code blockSize} blocks in which two equally long images differ. */
    static List<Long> differingBlocks(byte[] a, byte[] b, int blockSize) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("images differ in size: " + a.length + " and " + b.length);
        }
        List<Long> diff = new ArrayList<>();
        for (int off = 0; off < a.length; off += blockSize) {
            if (!Arrays.equals(a, off, off + blockSize, b, off, off + blockSize)) {
                diff.add((long) (off / blockSize));
            }
        }
        return diff;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
