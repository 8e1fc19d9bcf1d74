package org.ext4j.core.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

// An image's orphan records as e2fsprogs reads them (dumpe2fs, debugfs): the oracle for where unlinked-but-open inodes sit.
/**
 * The classic chain (s_last_orphan, then each orphan's i_dtime), the slots of the orphan file,
 * the orphan_present flag, and a journal replay that leaves the orphans in place (debugfs
 * {@code journal_run}; e2fsck, even with {@code -E journal_only}, would free them), so that what
 * a crash left can be read before anything processes it.
 */
public final class OrphanRecords {
    private static final Pattern FIRST_ORPHAN = Pattern.compile("First orphan inode:\\s+(\\d+)");
    private static final Pattern ORPHAN_FILE = Pattern.compile("Orphan file inode:\\s+(\\d+)");
    private static final Pattern BLOCK_SIZE = Pattern.compile("Block size:\\s+(\\d+)");
    private static final Pattern FEATURES = Pattern.compile("Filesystem features:\\s+(.*)");
    private static final Pattern DTIME = Pattern.compile("dtime: 0x([0-9a-f]+)");
    /** ob_magic and ob_checksum end every orphan file block. */
    private static final int TAIL = 8;

    private OrphanRecords() {
    }

    /**
     * The classic orphan chain of {@code image}, newest first. {@code expected} names inodes that
     * are likely on it, read in one debugfs run; others the chain reaches are read one by one.
     * Fails on a chain that loops.
     */
    public static List<Long> chain(Path image, Collection<Long> expected) {
        Debugfs debugfs = new Debugfs(image);
        Map<Long, Long> next = new HashMap<>();
        List<Long> known = List.copyOf(expected);
        List<String> stats = debugfs.batch(known.stream().map(ino -> "stat <" + ino + ">").toList());
        for (int i = 0; i < known.size(); i++) {
            next.put(known.get(i), dtime(stats.get(i)));
        }
        List<Long> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (long ino = header(image, FIRST_ORPHAN, 0); ino != 0; ) {
            if (!seen.add(ino)) {
                throw new AssertionError("the orphan chain of " + image + " loops at inode " + ino + ": " + out);
            }
            out.add(ino);
            Long after = next.get(ino);
            ino = after != null ? after : dtime(debugfs.run("stat <" + ino + ">"));
        }
        return out;
    }

    /** The inode numbers in the orphan file's slots, in slot order (empty slots left out); none without an orphan file. */
    public static List<Long> slots(Path image) {
        long ino = header(image, ORPHAN_FILE, 0);
        List<Long> out = new ArrayList<>();
        if (ino == 0) {
            return out;
        }
        int blockSize = (int) header(image, BLOCK_SIZE, 0);
        ByteBuffer content = ByteBuffer.wrap(new Debugfs(image).cat("<" + ino + ">")).order(ByteOrder.LITTLE_ENDIAN);
        for (int block = 0; block + blockSize <= content.limit(); block += blockSize) {
            for (int slot = block; slot < block + blockSize - TAIL; slot += 4) {
                long entry = Integer.toUnsignedLong(content.getInt(slot));
                if (entry != 0) {
                    out.add(entry);
                }
            }
        }
        return out;
    }

    /** True when the superblock carries RO_COMPAT_ORPHAN_PRESENT. */
    public static boolean orphanPresent(Path image) {
        Matcher m = FEATURES.matcher(dumpe2fs(image));
        return m.find() && List.of(m.group(1).trim().split("\\s+")).contains("orphan_present");
    }

    /** Replays the journal of {@code image} in place (debugfs -w journal_run), leaving orphans where they are. */
    public static void replayJournal(Path image) {
        new Debugfs(image).write(List.of("journal_run"));
    }

    private static long header(Path image, Pattern field, long absent) {
        Matcher m = field.matcher(dumpe2fs(image));
        return m.find() ? Long.parseLong(m.group(1)) : absent;
    }

    private static String dumpe2fs(Path image) {
        return Tools.runOk(List.of("dumpe2fs", "-h", image.toString())).stdout();
    }

    private static long dtime(String stat) {
        Matcher m = DTIME.matcher(stat);
        return m.find() ? Long.parseLong(m.group(1), 16) : 0;
    }
}
