package org.ext4j.core.journal;

import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.core.testing.WriteRecorder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.testing.Debugfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes at every flush of a journaled session: the device's writes are recorded, and for each
 * flush the image is rebuilt with every write before it, and again with a random part of the
 * writes between it and the next flush (a disk may keep any of them, in any order). Each image is
 * replayed (by ext4j, or by e2fsck's journal-only pass for the torn ones), must then be clean for
 * e2fsck -fn without any repair, and must show
 * every operation that had returned before the crash and, of the later ones, either nothing or all.
 */
class JournalWriterCrashPointTest {
    private static final int BLOCK = 1024;

    @TempDir
    Path dir;

    /** After the first {@code events} device events, {@code path} holds {@code content} (null: it does not exist). */
    private record Fact(int events, String path, byte[] content) {
    }

    @Test
    void everyFlushPointReplaysToAPrefixOfTheOperations() throws Exception {
        Path image = dir.resolve("cp.img");
        ImageFactory.mkfs(image, "8M", "-b", "1024", "-J", "size=1");
        byte[] base = Files.readAllBytes(image);
        WriteRecorder[] recorder = new WriteRecorder[1];
        List<Fact> facts = new ArrayList<>();
        Random random = new Random(7);
        try (JournaledImage j = JournaledImage.open(image, d -> recorder[0] = new WriteRecorder(d))) {
            WriteRecorder rec = recorder[0];
            long a = j.mkdir(JournaledImage.ROOT, "a");
            Map<String, Long> inodes = new HashMap<>();
            for (int i = 0; i < 5; i++) {
                byte[] data = JournalWriterCrashTest.randomBytes(random, 3000 + 700 * i);
                inodes.put("f" + i, j.create(a, "f" + i, data));
                facts.add(new Fact(rec.position(), "a/f" + i, data));
            }
            j.setXattr(inodes.get("f0"), "user.big", JournalWriterCrashTest.randomBytes(random, 500));
            j.writer.checkpoint();
            long b = j.mkdir(JournaledImage.ROOT, "b");
            byte[] moved = contentOf(facts, "a/f1");
            j.rename(a, "f1", b, "moved");
            facts.add(new Fact(rec.position(), "a/f1", null));
            facts.add(new Fact(rec.position(), "b/moved", moved));
            j.unlink(a, "f2");
            facts.add(new Fact(rec.position(), "a/f2", null));
            byte[] big = JournalWriterCrashTest.randomBytes(random, 20000);
            long g = j.create(a, "g", big);
            facts.add(new Fact(rec.position(), "a/g", big));
            byte[] tail = JournalWriterCrashTest.randomBytes(random, 3000);
            j.write(g, 20000, tail);
            byte[] grown = Arrays.copyOf(big, 23000);
            System.arraycopy(tail, 0, grown, 20000, tail.length);
            facts.add(new Fact(rec.position(), "a/g", grown));
            j.writer.checkpoint();
            for (int i = 0; i < 4; i++) {
                byte[] data = JournaledImage.bytes("small " + i);
                j.create(b, "s" + i, data);
                facts.add(new Fact(rec.position(), "b/s" + i, data));
            }
        }
        List<WriteRecorder.Event> events = recorder[0].events();
        List<Integer> flushes = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).isFlush()) {
                flushes.add(i);
            }
        }
        assertTrue(flushes.size() > 20, "only " + flushes.size() + " flushes");
        Path state = dir.resolve("state.img");
        for (int k = 0; k < flushes.size(); k++) {
            int flush = flushes.get(k);
            int next = k + 1 < flushes.size() ? flushes.get(k + 1) : events.size();
            byte[] bytes = apply(base, events, flush, -1, next, null);
            check(state, bytes, false, facts, flush, "flush " + flush);
            // And with a torn tail: some blocks of the writes up to the next flush made it.
            if (next > flush + 1) {
                byte[] torn = apply(base, events, flush, flush + 1, next, random);
                check(state, torn, true, facts, flush, "torn after flush " + flush);
            }
        }
    }

    private static byte[] contentOf(List<Fact> facts, String path) {
        byte[] content = null;
        for (Fact f : facts) {
            if (f.path.equals(path)) {
                content = f.content;
            }
        }
        return content;
    }

    /** {@code base} with every write before event {@code end}, and blocks of writes in [tornFrom, tornTo) chosen at random. */
    private static byte[] apply(byte[] base, List<WriteRecorder.Event> events, int end, int tornFrom, int tornTo, Random random) {
        byte[] out = base.clone();
        for (int i = 0; i < end; i++) {
            WriteRecorder.Event e = events.get(i);
            if (!e.isFlush()) {
                System.arraycopy(e.data(), 0, out, (int) e.offset(), e.data().length);
            }
        }
        if (random != null) {
            for (int i = tornFrom; i < tornTo; i++) {
                WriteRecorder.Event e = events.get(i);
                for (int off = 0; off < e.data().length; off += BLOCK) {
                    if (random.nextBoolean()) {
                        int len = Math.min(BLOCK, e.data().length - off);
                        System.arraycopy(e.data(), off, out, (int) e.offset() + off, len);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Replays the crashed image (e2fsck or ext4j), requires e2fsck -fn to be clean, then compares
     * the files with the facts: the newest fact that was durable at the crash (its last flush is
     * before event {@code crashAt}) or any later one must hold, nothing else.
     */
    private void check(Path state, byte[] bytes, boolean byE2fsck, List<Fact> facts, int crashAt, String what)
            throws Exception {
        Files.write(state, bytes);
        if (byE2fsck) {
            // Replay only: a repair pass would hide an inconsistent replay from the -fn check below.
            Tools.Result r = Tools.run(List.of("e2fsck", "-y", "-E", "journal_only", state.toString()));
            assertTrue(r.exitCode() == 0 || r.exitCode() == 1, what + ": e2fsck -E journal_only " + r);
        } else {
            Ext4FileSystem.open(FileBlockDevice.open(state, false), OpenOptions.READ_WRITE).close();
        }
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", state.toString()));
        assertTrue(fsck.exitCode() == 0, what + ": e2fsck -fn " + fsck);

        Path tree = Files.createTempDirectory(dir, "tree");
        new Debugfs(state).rdump("/", tree);
        Map<String, List<Fact>> byPath = new LinkedHashMap<>();
        for (Fact f : facts) {
            byPath.computeIfAbsent(f.path, p -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<String, List<Fact>> e : byPath.entrySet()) {
            Path local = tree.resolve(e.getKey());
            byte[] actual = Files.isRegularFile(local) ? Files.readAllBytes(local) : null;
            // Allowed: the newest durable fact (or "absent" if none), or any fact after it.
            List<byte[]> allowed = new ArrayList<>();
            allowed.add(null);
            for (Fact f : e.getValue()) {
                if (f.events - 1 <= crashAt) {
                    allowed.clear();
                }
                allowed.add(f.content);
            }
            boolean ok = allowed.stream().anyMatch(c -> c == null ? actual == null : Arrays.equals(c, actual));
            assertTrue(ok, what + ": " + e.getKey() + " is " + (actual == null ? "absent" : actual.length + " bytes")
                    + ", not one of the states allowed by the operations that returned before the crash");
        }
    }
}
