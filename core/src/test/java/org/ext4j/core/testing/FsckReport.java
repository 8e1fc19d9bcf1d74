package org.ext4j.core.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code e2fsck -fn} finds in an image, in a form that two runs can be compared by: the
 * promise "ext4j never makes a damaged image worse" is checked with {@link #worseThan}.
 *
 * <p>Passes 1 to 4 are read as questions e2fsck declined ("... ? no") and problems it let pass
 * ("IGNORED."), each keyed by what it is about (the inode or block it names, else its words), so
 * that a damaged object e2fsck describes in more lines after a legitimate change (a bad xattr
 * pointer into the journal, whose blocks the journal rewrites) is not a new problem; their number
 * counts only when e2fsck finished both times. Pass 5 reports one bitmap inconsistency many times over (the differences,
 * then each group's and the superblock's counts), and how many lines it takes depends on what else
 * e2fsck found, so pass 5 is compared by content: the block and inode numbers listed as bitmap
 * differences, and which counts are wrong. A bitmap whose checksum e2fsck already rejected
 * before hides its differences, so they are not compared then.
 *
 * @param exitCode         e2fsck's exit code (8 and above: it could not check at all)
 * @param problems         declined questions and ignored problems of passes 1 to 4
 * @param problemKeys      what each of them is about ("inode 12", "block 2054", or its words with numbers masked)
 * @param blockDifferences blocks listed under "Block bitmap differences" (+N in use but marked free, -N the reverse), signed
 * @param inodeDifferences inodes listed under "Inode bitmap differences", signed
 * @param wrongCounts      the counts pass 5 calls wrong ("Free blocks count wrong for group #3", ...), without their values
 * @param bitmapChecksums  pass 5 found a bitmap that does not match its checksum
 * @param output           what e2fsck printed
 */
public record FsckReport(int exitCode, int problems, Set<String> problemKeys, Set<Long> blockDifferences, Set<Long> inodeDifferences,
                         Set<String> wrongCounts, boolean bitmapChecksums, String output) {

    private static final Pattern DECLINED = Pattern.compile("(\\? no|IGNORED\\.)$", Pattern.MULTILINE);
    private static final Pattern DIFFERENCE = Pattern.compile("([+-])\\((\\d+)--(\\d+)\\)|([+-])(\\d+)");
    private static final Pattern COUNT = Pattern.compile("^(\\S.*count wrong(?: for group #\\d+)?) \\(", Pattern.MULTILINE);

    /** Runs {@code e2fsck -fn IMAGE}. */
    public static FsckReport of(Path image) {
        Tools.Result r = Tools.run(List.of("e2fsck", "-fn", image.toString()), Duration.ofSeconds(120));
        String out = r.stdout();
        int pass5 = out.indexOf("Pass 5:");
        String early = pass5 < 0 ? out : out.substring(0, pass5);
        String late = pass5 < 0 ? "" : out.substring(pass5);
        int problems = 0;
        Set<String> keys = new TreeSet<>();
        // A problem is the lines since the previous one ended, its question often on a line of its own.
        // Follow-up lines that name no inode ("Block #0 (1423) causes file to be too big") belong to
        // the inode of the problem before them.
        StringBuilder problem = new StringBuilder();
        String lastInode = null;
        for (String line : early.split("\n")) {
            if (line.startsWith("Pass ")) {
                problem.setLength(0);
                lastInode = null;
                continue;
            }
            problem.append(line).append('\n');
            if (DECLINED.matcher(line).find()) {
                problems++;
                String key = key(problem.toString(), lastInode);
                if (key.startsWith("inode ")) {
                    lastInode = key;
                }
                keys.add(key);
                problem.setLength(0);
            }
        }
        Set<String> counts = new TreeSet<>();
        Matcher c = COUNT.matcher(late);
        while (c.find()) {
            counts.add(c.group(1));
        }
        return new FsckReport(r.exitCode(), problems, keys, differences(late, "Block"), differences(late, "Inode"), counts,
                late.contains("does not match checksum"), out + r.stderr());
    }

    private static final Pattern INODE = Pattern.compile("[Ii]node #?(\\d+)");
    private static final Pattern BLOCK = Pattern.compile("block #?(\\d+)");

    /** What a problem is about: the first inode it names, else the inode before it, else the first block, else its words. */
    private static String key(String line, String lastInode) {
        Matcher i = INODE.matcher(line);
        if (i.find()) {
            return "inode " + i.group(1);
        }
        if (lastInode != null) {
            return lastInode;
        }
        Matcher b = BLOCK.matcher(line);
        if (b.find()) {
            return "block " + b.group(1);
        }
        return line.replaceAll("\\d+", "#").trim();
    }

    private static Set<Long> differences(String pass5, String what) {
        Set<Long> numbers = new TreeSet<>();
        for (String line : pass5.split("\n")) {
            int at = line.indexOf(what + " bitmap differences:");
            if (at < 0) {
                continue;
            }
            Matcher m = DIFFERENCE.matcher(line.substring(at));
            while (m.find()) {
                if (m.group(5) != null) {
                    numbers.add(signed(m.group(4), Long.parseLong(m.group(5))));
                } else {
                    for (long n = Long.parseLong(m.group(2)); n <= Long.parseLong(m.group(3)); n++) {
                        numbers.add(signed(m.group(1), n));
                    }
                }
            }
        }
        return numbers;
    }

    private static long signed(String sign, long n) {
        return sign.equals("-") ? -n : n;
    }

    /**
     * True when e2fsck found blocks that a file of {@code image} claims but the bitmap marks free
     * (a positive bitmap difference that {@code debugfs icheck} finds an owner for), or that two
     * files claim: damage no allocator can see without reading every file's map (neither the
     * kernel nor ext4j does), so a new file may be given such a block. Outside the "never worse"
     * promise. Fixed metadata marked free is not this: the system zone knows it.
     */
    public boolean hasUnseenOwnership(Path image) {
        if (output.contains("Multiply-claimed block(s)")) {
            return true;
        }
        List<Long> claimed = blockDifferences.stream().filter(b -> b > 0).limit(64).toList();
        if (claimed.isEmpty()) {
            return false;
        }
        StringBuilder request = new StringBuilder("icheck");
        claimed.forEach(b -> request.append(' ').append(b));
        // -c (catastrophic mode): the bitmaps, which may fail their checksums here, are not read.
        String answer = Tools.run(List.of("debugfs", "-c", "-R", request.toString(), image.toString())).stdout();
        for (String line : answer.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 2 && words[0].matches("\\d+") && words[1].matches("\\d+")) {
                return true;
            }
        }
        return false;
    }

    /** Why this report is worse than {@code before}, or null when it is not. */
    public String worseThan(FsckReport before) {
        if (exitCode >= 8 && before.exitCode < 8) {
            return "e2fsck could not check the image any more (exit " + exitCode + ")";
        }
        if (before.exitCode == 0 && exitCode != 0) {
            return "a clean image is no longer clean (exit " + exitCode + ")";
        }
        if (!before.problemKeys.containsAll(problemKeys)) {
            Set<String> extra = new TreeSet<>(problemKeys);
            extra.removeAll(before.problemKeys);
            return "new problems in passes 1-4 about " + extra;
        }
        if (problems > before.problems && exitCode < 8 && before.exitCode < 8) {
            return before.problems + " problems in passes 1-4 before, " + problems + " after";
        }
        // Pass 5 is compared only where e2fsck got there before and trusted the bitmaps' checksums.
        if (!before.bitmapChecksums && before.output.contains("Pass 5:")) {
            if (!before.blockDifferences.containsAll(blockDifferences)) {
                return "new block bitmap differences " + added(before.blockDifferences, blockDifferences);
            }
            if (!before.inodeDifferences.containsAll(inodeDifferences)) {
                return "new inode bitmap differences " + added(before.inodeDifferences, inodeDifferences);
            }
            if (!before.wrongCounts.containsAll(wrongCounts)) {
                Set<String> extra = new TreeSet<>(wrongCounts);
                extra.removeAll(before.wrongCounts);
                return "new wrong counts " + extra;
            }
        }
        return null;
    }

    private static Set<Long> added(Set<Long> before, Set<Long> after) {
        Set<Long> extra = new TreeSet<>(after);
        extra.removeAll(before);
        return extra;
    }
}
