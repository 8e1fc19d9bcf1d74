package org.ext4j.core.alloc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs e2fsprogs on test images and parses what they print: the oracle for the allocation tests. */
final class E2fsTools {
    private E2fsTools() {
    }

    record Result(int exit, String out, String err) {
    }

    /** One group as dumpe2fs prints it. */
    record Group(long number, long freeBlocks, long freeInodes, long dirs, String freeBlockRanges, String freeInodeRanges) {
    }

    static Result run(String... command) {
        org.ext4j.core.testing.Tools.Result r = org.ext4j.core.testing.Tools.run(List.of(command));
        return new Result(r.exitCode(), r.stdout(), r.stderr());
    }

    /** Runs {@code command} and fails unless it exits 0. */
    static String check(String... command) {
        return org.ext4j.core.testing.Tools.runOk(List.of(command)).stdout();
    }

    /** Makes a {@code size} image at {@code image} with mkfs.ext4 and the given options. */
    static void mkfs(Path image, String size, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(List.of(options));
        cmd.add(image.toString());
        cmd.add(size);
        check(cmd.toArray(String[]::new));
    }

    /** A field of {@code dumpe2fs -h}, e.g. "Free blocks". */
    static long headerField(Path image, String field) throws IOException, InterruptedException {
        for (String line : check("dumpe2fs", "-h", image.toString()).split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IOException("dumpe2fs -h printed no " + field);
    }

    private static final Pattern GROUP = Pattern.compile("^Group (\\d+):");
    private static final Pattern COUNTS = Pattern.compile("^\\s+(\\d+) free (?:blocks|clusters), (\\d+) free inodes, (\\d+) directories");

    /** Every group as dumpe2fs prints it. */
    static List<Group> groups(Path image) throws IOException, InterruptedException {
        List<Group> groups = new ArrayList<>();
        long number = -1;
        long[] counts = null;
        String freeBlocks = null;
        for (String line : check("dumpe2fs", image.toString()).split("\n")) {
            Matcher g = GROUP.matcher(line);
            if (g.find()) {
                number = Long.parseLong(g.group(1));
                continue;
            }
            Matcher c = COUNTS.matcher(line);
            if (c.find()) {
                counts = new long[] {Long.parseLong(c.group(1)), Long.parseLong(c.group(2)), Long.parseLong(c.group(3))};
            } else if (line.trim().startsWith("Free blocks:")) {
                freeBlocks = line.trim().substring("Free blocks:".length()).trim();
            } else if (line.trim().startsWith("Free inodes:") && number >= 0) {
                groups.add(new Group(number, counts[0], counts[1], counts[2], freeBlocks, line.trim().substring("Free inodes:".length()).trim()));
            }
        }
        return groups;
    }

    /** Formats numbers as dumpe2fs does: "a-b, c, d-e". */
    static String ranges(Iterable<Long> sorted) {
        StringBuilder sb = new StringBuilder();
        long start = -1;
        long prev = -1;
        for (long v : sorted) {
            if (start >= 0 && v == prev + 1) {
                prev = v;
                continue;
            }
            appendRange(sb, start, prev);
            start = v;
            prev = v;
        }
        appendRange(sb, start, prev);
        return sb.toString();
    }

    private static void appendRange(StringBuilder sb, long start, long end) {
        if (start < 0) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append(start);
        if (end > start) {
            sb.append('-').append(end);
        }
    }

    /** debugfs run over a command file (many commands in one process); returns stdout. */
    static String debugfs(Path image, List<String> commands) throws IOException, InterruptedException {
        Path cmds = Files.createTempFile(image.getParent(), "debugfs", ".cmd");
        Files.writeString(cmds, String.join("\n", commands) + "\n");
        return check("debugfs", "-f", cmds.toString(), image.toString());
    }

    private static final Pattern DIFF = Pattern.compile("-\\((\\d+)--(\\d+)\\)|-(\\d+)");

    /**
     * The numbers e2fsck -n lists after "{@code what} bitmap differences:" with a minus sign (marked
     * in use in the bitmap but used by nothing).
     */
    static TreeSet<Long> bitmapDifferences(String fsckOutput, String what) {
        TreeSet<Long> out = new TreeSet<>();
        for (String line : fsckOutput.split("\n")) {
            int at = line.indexOf(what + " bitmap differences:");
            if (at < 0) {
                continue;
            }
            Matcher m = DIFF.matcher(line.substring(at));
            while (m.find()) {
                if (m.group(3) != null) {
                    out.add(Long.parseLong(m.group(3)));
                } else {
                    for (long v = Long.parseLong(m.group(1)); v <= Long.parseLong(m.group(2)); v++) {
                        out.add(v);
                    }
                }
            }
        }
        return out;
    }
}
