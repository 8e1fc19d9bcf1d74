package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.ext4j.core.dir.DirectoryReader;
import org.ext4j.core.htree.HashPosition;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Readdir of indexed directories: the listing order equals the kernel's getdents order on a loop
 * mount, and hash cookies keep a listing exact while inserts split leaves between batches.
 */
class HashOrderReaddirTest {
    private static final int NAMES = 3000;
    private static final int S_IFREG = 0100000;
    /**
     * Names whose legacy hashes (major and minor, the latter always 0) are equal, found by hashing
     * candidates with DirHash: a pair and a triple.
     */
    private static final List<String> LEGACY_PAIR = List.of("collide-7017", "collide-7071");
    private static final List<String> LEGACY_TRIPLE = List.of("collide-50000", "collide-50011", "collide-50044");

    @TempDir
    Path tmp;

    /** A source tree with one directory {@code big} of {@link #NAMES} empty files of varied name lengths. */
    private Path makeTree(long seed) throws Exception {
        Path big = Files.createDirectories(tmp.resolve("src").resolve("big"));
        Random random = new Random(seed);
        for (int i = 0; i < NAMES; i++) {
            StringBuilder name = new StringBuilder(String.format("f%05d-", i));
            int extra = random.nextInt(30);
            for (int k = 0; k < extra; k++) {
                name.append((char) ('a' + random.nextInt(26)));
            }
            Files.createFile(big.resolve(name.toString()));
        }
        for (String name : LEGACY_PAIR) {
            Files.createFile(big.resolve(name));
        }
        for (String name : LEGACY_TRIPLE) {
            Files.createFile(big.resolve(name));
        }
        return big.getParent();
    }

    /** mkfs.ext4 -d of the tree, with the directory index built by e2fsck -fyD. */
    private Path makeImage(Path src, List<String> mkfsArgs, List<String> tune) {
        Path img = tmp.resolve("img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-N", "8192"));
        mkfs.addAll(mkfsArgs);
        mkfs.addAll(List.of("-d", src.toString(), img.toString(), "64M"));
        Tools.run(mkfs).requireExit(0);
        if (!tune.isEmpty()) {
            List<String> cmd = new ArrayList<>(tune);
            cmd.add(img.toString());
            Tools.run(cmd).requireExit(0);
        }
        Tools.run(List.of("e2fsck", "-fyD", img.toString())).requireExit(0, 1);
        ImageFactory.requireClean(img);
        return img;
    }

    private static long lookup(PosixFileSystem volume, long parent, String name) {
        return volume.lookup(Caller.ROOT, parent, name.getBytes(StandardCharsets.UTF_8)).ino();
    }

    @ParameterizedTest
    @ValueSource(strings = {"half_md4", "tea", "legacy"})
    void orderEqualsKernelGetdents(String hashAlg) throws Exception {
        Path src = makeTree(hashAlg.hashCode());
        Path img = makeImage(src, List.of(), List.of("tune2fs", "-E", "hash_alg=" + hashAlg));
        List<String> sourceNames;
        try (var names = Files.list(src.resolve("big"))) {
            sourceNames = names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("f")).sorted().toList();
        }
        // e2fsck -D leaves every leaf sorted by hash; inserts and removals by ext4j unsort them,
        // so that hash order and on-disk order differ.
        try (PosixFileSystem volume = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long big = lookup(volume, 2, "big");
            for (int i = 0; i < 500; i++) {
                volume.mknod(Caller.ROOT, big, ("added-" + i).getBytes(StandardCharsets.UTF_8), S_IFREG | 0644, 0, 0);
            }
            for (int i = 0; i < NAMES; i += 10) {
                volume.unlink(Caller.ROOT, big, sourceNames.get(i).getBytes(StandardCharsets.UTF_8));
            }
        }
        ImageFactory.requireClean(img);
        List<DirectoryEntry> listed = new ArrayList<>();
        try (PosixFileSystem volume = PosixFileSystem.open(img, OpenOptions.READ_ONLY)) {
            long big = lookup(volume, 2, "big");
            assertTrue(DirectoryReader.of(volume.fileSystem(), volume.fileSystem().inode(big)).isIndexed(),
                    "e2fsck -D indexed /big");
            long handle = volume.opendir(Caller.ROOT, big);
            long cookie = 0;
            // Bounded: each batch moves the cookie on or ends the listing.
            for (int calls = 0; calls < NAMES; calls++) {
                List<DirectoryEntry> batch = volume.readdir(big, handle, cookie, 37);
                if (batch.isEmpty()) {
                    break;
                }
                listed.addAll(batch);
                cookie = batch.get(batch.size() - 1).nextOffset();
            }
            assertEquals(HashPosition.EOF, cookie, "the last cookie is the end of the directory");
            if (hashAlg.equals("legacy")) {
                assertGroupListedTogether(volume, big, handle, listed, LEGACY_PAIR);
                assertGroupListedTogether(volume, big, handle, listed, LEGACY_TRIPLE);
            }
            volume.releasedir(big, handle);
        }
        List<String> ours = listed.stream().map(DirectoryEntry::nameString).toList();
        String kernel = Tools.onKernelMount(img, tmp.resolve("mnt"), ",ro", "ls -f big");
        List<String> expected = List.of(kernel.split("\n"));
        assertEquals(NAMES + 2 + LEGACY_PAIR.size() + LEGACY_TRIPLE.size() + 500 - NAMES / 10, expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), ours.get(i), hashAlg + ": entry " + i + " of /big in the kernel's getdents order");
        }
        assertEquals(expected.size(), ours.size(), hashAlg + ": entries listed");
    }

    /**
     * Names sharing a full hash share a cookie: they are listed next to each other, and a call
     * resumed at their cookie returns all of them even when asked for one entry.
     */
    private static void assertGroupListedTogether(PosixFileSystem volume, long dir, long handle, List<DirectoryEntry> listed,
                                                  List<String> group) {
        int first = -1;
        for (int i = 0; i < listed.size(); i++) {
            if (group.contains(listed.get(i).nameString())) {
                first = i;
                break;
            }
        }
        assertTrue(first > 0, group + " listed after \".\"");
        List<String> adjacent = listed.subList(first, first + group.size()).stream().map(DirectoryEntry::nameString).toList();
        assertEquals(Set.copyOf(group), Set.copyOf(adjacent), "names of one hash are listed together");
        List<DirectoryEntry> resumed = volume.readdir(dir, handle, listed.get(first - 1).nextOffset(), 1);
        assertEquals(adjacent, resumed.stream().map(DirectoryEntry::nameString).toList());
        assertEquals(listed.get(first + group.size() - 1).nextOffset(), resumed.get(resumed.size() - 1).nextOffset());
    }

    @Test
    void listingStaysExactWhileInsertsSplitLeaves() throws Exception {
        Path img = makeImage(makeTree(7), List.of("-b", "1024"), List.of());
        assertTrue(Tools.run(List.of("debugfs", "-R", "htree_dump /big", img.toString())).requireExit(0).stdout()
                .contains("Indirect levels: 0"), "/big starts with leaves right below the dx_root");
        Random random = new Random(11);
        Set<String> before = new HashSet<>();
        Set<String> removed = new HashSet<>();
        Set<String> added = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        try (PosixFileSystem volume = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long big = lookup(volume, 2, "big");
            DirectoryReader reader = DirectoryReader.of(volume.fileSystem(), volume.fileSystem().inode(big));
            assertTrue(reader.listsInHashOrder());
            reader.list().forEach(e -> before.add(e.nameString()));
            List<String> existing = new ArrayList<>(before);
            existing.remove(".");
            existing.remove("..");
            long sizeBefore = volume.getattr(big).size();
            long handle = volume.opendir(Caller.ROOT, big);
            long cookie = 0;
            int inserted = 0;
            for (int calls = 0; calls < 4 * NAMES; calls++) {
                List<DirectoryEntry> batch = volume.readdir(big, handle, cookie, 20);
                if (batch.isEmpty()) {
                    break;
                }
                for (DirectoryEntry e : batch) {
                    seen.merge(e.nameString(), 1, Integer::sum);
                }
                cookie = batch.get(batch.size() - 1).nextOffset();
                for (int k = 0; k < 10; k++) {
                    String name = "new-" + inserted++ + "-" + Long.toHexString(random.nextLong());
                    volume.mknod(Caller.ROOT, big, name.getBytes(StandardCharsets.UTF_8), S_IFREG | 0644, 0, 0);
                    added.add(name);
                }
                String victim = existing.remove(random.nextInt(existing.size()));
                volume.unlink(Caller.ROOT, big, victim.getBytes(StandardCharsets.UTF_8));
                removed.add(victim);
            }
            volume.releasedir(big, handle);
            assertTrue(volume.getattr(big).size() > sizeBefore + 30 * 1024, "the inserts split at least 30 leaves of /big");
        }
        ImageFactory.requireClean(img);
        String dump = Tools.run(List.of("debugfs", "-R", "htree_dump /big", img.toString())).requireExit(0).stdout();
        assertTrue(dump.contains("Indirect levels: 1"), "the inserts grew the index by a dx_node level:\n"
                + dump.substring(0, Math.min(300, dump.length())));
        for (String name : before) {
            int count = seen.getOrDefault(name, 0);
            if (removed.contains(name)) {
                assertTrue(count <= 1, name + " (removed during the listing) listed " + count + " times");
            } else {
                assertEquals(1, count, name + " (present throughout) listed " + count + " times");
            }
        }
        for (String name : added) {
            assertTrue(seen.getOrDefault(name, 0) <= 1, name + " (added during the listing) listed more than once");
        }
        assertFalse(removed.isEmpty());
    }
}
