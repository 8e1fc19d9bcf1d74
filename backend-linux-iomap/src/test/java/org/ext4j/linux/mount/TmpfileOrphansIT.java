package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.testing.ChildJvm;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.host.ImageLock;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.OrphanRecords;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of O_TMPFILE files held open by several processes on a mount served by a separate
 * server process. Killed with -9 once an fsync made them durable, the server leaves every open
 * one recorded as an orphan (the classic chain newest first, or the orphan file's slots), and
 * e2fsck -fy, the kernel's mount and ext4j's open all free them to the same counts. Unmounted
 * with the files still open, the server frees them all, exits, and gives the image lock back,
 * leaving an image without orphans.
 */
class TmpfileOrphansIT {
    private static final Pattern GROUP_COUNTS = Pattern.compile("(\\d+) free (?:blocks|clusters), (\\d+) free inodes, (\\d+) directories");
    private static final int PROCESSES = 3;
    private static final int PER_PROCESS = 1000;

    /**
     * Each of N processes opens K O_TMPFILE files in DIR and prints "P INO" per file in creation
     * order; once all have opened theirs (so that no inode number is freed and given out again
     * meanwhile), each closes every third one, fsyncs one it keeps (which commits everything
     * before it), prints "ready P", and holds the rest open until its stdin (shared) closes.
     */
    private static final String WORKLOAD = String.join("\n",
            "import os, resource, sys",
            "d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
            "resource.setrlimit(resource.RLIMIT_NOFILE, (k + 64, k + 64))",
            "opened_r, opened_w = os.pipe()",
            "go_r, go_w = os.pipe()",
            "pids = []",
            "for p in range(n):",
            "    pid = os.fork()",
            "    if pid == 0:",
            "        fds = [os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600) for _ in range(k)]",
            "        out = ''.join('%d %d\\n' % (p, os.fstat(fd).st_ino) for fd in fds)",
            "        os.write(opened_w, b'x')",
            "        os.read(go_r, 1)",
            "        kept = [fd for i, fd in enumerate(fds) if i % 3 != 0]",
            "        for i in range(0, k, 3):",
            "            os.close(fds[i])",
            "        os.fsync(kept[-1])",
            "        sys.stdout.write(out + 'ready %d\\n' % p)",
            "        sys.stdout.flush()",
            "        sys.stdin.read()",
            "        os._exit(0)",
            "    pids.append(pid)",
            "os.close(opened_w)",
            "opened = 0",
            "while opened < n:",
            "    got = os.read(opened_r, n)",
            "    if not got:",
            "        sys.exit('a workload process died before opening its files')",
            "    opened += len(got)",
            "os.write(go_w, b'x' * n)",
            "for pid in pids:",
            "    os.waitpid(pid, 0)");

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @ParameterizedTest
    @ValueSource(strings = {"^orphan_file", "orphan_file"})
    void aKilledServerLeavesEveryOpenTmpfileRecordedForRecovery(String feature) throws Exception {
        Path image = mkfs(feature);
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process server = startServer(image, mnt);
        Process workload = null;
        Map<Integer, List<Long>> created = new HashMap<>();
        Set<Long> open = new HashSet<>();
        try {
            workload = new ProcessBuilder("/usr/bin/python3", "-c", WORKLOAD, mnt.toString(),
                    Integer.toString(PROCESSES), Integer.toString(PER_PROCESS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(workload.getInputStream(), StandardCharsets.UTF_8));
            for (int ready = 0; ready < PROCESSES; ) {
                String line = lines.readLine();
                assertTrue(line != null, "the workload stopped before every process was ready");
                String[] words = line.split(" ");
                if (words[0].equals("ready")) {
                    ready++;
                    continue;
                }
                List<Long> mine = created.computeIfAbsent(Integer.parseInt(words[0]), p -> new ArrayList<>());
                if (mine.size() % 3 != 0) {
                    open.add(Long.parseLong(words[1]));
                }
                mine.add(Long.parseLong(words[1]));
            }
            MountTestSupport.run(List.of("kill", "-KILL", Long.toString(server.pid())));
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        } finally {
            server.destroyForcibly();
            if (workload != null) {
                workload.getOutputStream().close();
                workload.destroy();
                workload.waitFor(30, TimeUnit.SECONDS);
            }
            // The dead mount answers ENOTCONN until it is detached.
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
        ImageLock.acquire(image).close();

        Path replayed = Files.copy(image, temp.resolve("replayed.img"));
        OrphanRecords.replayJournal(replayed);
        Set<Long> all = new HashSet<>();
        created.values().forEach(all::addAll);
        List<Long> chain = OrphanRecords.chain(replayed, all);
        List<Long> slots = OrphanRecords.slots(replayed);
        Set<Long> recorded = new HashSet<>(chain);
        recorded.addAll(slots);
        assertEquals(chain.size() + slots.size(), recorded.size(), "an orphan recorded twice");
        assertTrue(recorded.containsAll(open), "every file still open at the kill is an orphan on disk");
        assertTrue(all.containsAll(recorded), "only the workload's files are orphans");
        assertEquals(feature.equals("orphan_file"), !slots.isEmpty(), "orphans go to the orphan file when there is one");
        for (List<Long> mine : created.values()) {
            List<Long> onChain = chain.stream().filter(mine::contains).toList();
            List<Long> newestFirst = new ArrayList<>(mine);
            java.util.Collections.reverse(newestFirst);
            newestFirst.retainAll(onChain);
            assertEquals(newestFirst, onChain, "one process's orphans are chained newest first");
        }

        Path oracle = Files.copy(image, temp.resolve("e2fsck.img"));
        int repaired = Tools.run(List.of("e2fsck", "-fy", oracle.toString()), Duration.ofSeconds(120)).exitCode();
        assertTrue(repaired == 0 || repaired == 1, "e2fsck -fy repaired or found nothing: exit " + repaired);
        ImageFactory.requireClean(oracle);
        Path kernel = Files.copy(image, temp.resolve("kernel.img"));
        Path kernelMnt = Files.createDirectory(temp.resolve("kmnt"));
        MountTestSupport.run(List.of("mount", "-o", "loop", kernel.toString(), kernelMnt.toString()));
        MountTestSupport.run(List.of("umount", kernelMnt.toString()));
        ImageFactory.requireClean(kernel);
        assertEquals(groupCounts(oracle), groupCounts(kernel));
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            assertFalse(volume.isReadOnly());
        }
        ImageFactory.requireClean(image);
        assertEquals(groupCounts(oracle), groupCounts(image));
    }

    @ParameterizedTest
    @ValueSource(strings = {"^orphan_file", "orphan_file"})
    void unmountedWithTmpfilesOpenTheServerFreesThemExitsAndReleasesTheImage(String feature) throws Exception {
        Path image = mkfs(feature);
        List<String> fresh = groupCounts(image);
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        Process server = startServer(image, mnt);
        Process workload = null;
        try {
            workload = new ProcessBuilder("/usr/bin/python3", "-c", WORKLOAD, mnt.toString(),
                    Integer.toString(PROCESSES), Integer.toString(PER_PROCESS))
                    .redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(workload.getInputStream(), StandardCharsets.UTF_8));
            // The processes wait for stdin after "ready": read no further than the last one.
            for (int ready = 0; ready < PROCESSES; ) {
                String line = lines.readLine();
                assertTrue(line != null, "the workload stopped before every process was ready");
                ready += line.startsWith("ready") ? 1 : 0;
            }
            // The processes exit holding their files: the kernel closes them, then the mount goes.
            try (OutputStream stdin = workload.getOutputStream()) {
                stdin.flush();
            }
            assertTrue(workload.waitFor(60, TimeUnit.SECONDS), "the workload exits");
            MountTestSupport.run(List.of("umount", mnt.toString()));
            assertTrue(server.waitFor(120, TimeUnit.SECONDS), "the server exits after the unmount");
            assertEquals(0, server.exitValue());
        } finally {
            if (workload != null) {
                workload.destroyForcibly();
            }
            server.destroyForcibly();
            if (MountPointCheck.isMountPoint(mnt.toRealPath())) {
                new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
            }
        }
        ImageLock.acquire(image).close();
        ImageFactory.requireClean(image);
        assertEquals(List.of(), OrphanRecords.slots(image));
        assertEquals(List.of(), OrphanRecords.chain(image, List.of()));
        assertFalse(OrphanRecords.orphanPresent(image));
        assertEquals(fresh, groupCounts(image));
    }

    private Path mkfs(String feature) {
        return ImageFactory.mkfs(temp.resolve("tmpfiles.img"), "256M", "-N", "16384", "-O", feature);
    }

    private static Process startServer(Path image, Path mnt) throws Exception {
        Process server = new ProcessBuilder(ChildJvm.java(), "-cp", ChildJvm.classpath(),
                VolumeMountMain.class.getName(), image.toString(), mnt.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"mounted".equals(first)) {
            server.destroyForcibly();
            throw new AssertionError("the server did not mount: " + first);
        }
        return server;
    }

    /** Each group's free blocks, free inodes and directories as dumpe2fs prints them. */
    private static List<String> groupCounts(Path img) {
        Matcher m = GROUP_COUNTS.matcher(Tools.runOk(List.of("dumpe2fs", img.toString())).stdout());
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(0));
        }
        assertFalse(out.isEmpty(), "dumpe2fs printed no group counts");
        return out;
    }
}
