package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The orphan list and O_TMPFILE. Unlinked-but-open files must sit on the on-disk list as the
 * kernel chains it (dumpe2fs's "First orphan inode", debugfs's i_dtime); after a crash, ext4j's
 * read-write open must free them as e2fsck -fy does (the per-group free counts of dumpe2fs
 * compared, both images e2fsck-clean), for orphans ext4j left and for orphans the kernel left
 * when shut down with files open (classic list and orphan_file). An interrupted truncate
 * (an orphan with links, made with debugfs) is finished as the kernel's own mount and e2fsck
 * finish it. A corrupt chain refuses the open and writes nothing.
 */
class OrphanTest {
    private static final Pattern GROUP_COUNTS = Pattern.compile("(\\d+) free (?:blocks|clusters), (\\d+) free inodes, (\\d+) directories");
    private static final int RW_EXCL = WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL;
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    private Path mkfs(String name, String... features) {
        Path img = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "2048"));
        for (String f : features) {
            cmd.addAll(List.of("-O", f));
        }
        cmd.addAll(List.of(img.toString(), "32M"));
        Tools.runOk(cmd);
        return img;
    }

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** Creates {@code name} in the root, writes {@code size} bytes, and returns its open handle's inode and handle. */
    private static long[] createWritten(PosixFileSystem vol, String name, int size) {
        WritableFileSystem.Created c = vol.create(Caller.ROOT, ROOT, name.getBytes(), 0644, RW_EXCL);
        long ino = c.attributes().ino();
        vol.write(Caller.ROOT, ino, c.handle(), 0, bytes(size, name.charAt(0)), 0, size);
        return new long[] {ino, c.handle()};
    }

    private static long lastOrphan(Path img) {
        String out = Tools.runOk(List.of("dumpe2fs", "-h", img.toString())).stdout();
        Matcher m = Pattern.compile("First orphan inode:\\s+(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
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

    private static boolean inUse(Path img, long ino) {
        String out = new Debugfs(img).run("testi <" + ino + ">");
        return out.contains("is marked in use");
    }

    private static long dtime(Path img, long ino) {
        Matcher m = Pattern.compile("dtime: 0x([0-9a-f]+)").matcher(new Debugfs(img).run("stat <" + ino + ">"));
        return m.find() ? Long.parseLong(m.group(1), 16) : 0;
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    private static void requireClean(Path img) {
        Tools.run(List.of("e2fsck", "-fn", img.toString()), Duration.ofSeconds(60)).requireExit(0);
    }

    /** A copy of {@code img} repaired by e2fsck -fy (which may report that it changed something). */
    private Path e2fsckRepaired(Path img, String name) throws Exception {
        Path oracle = Files.copy(img, dir.resolve(name));
        Tools.run(List.of("e2fsck", "-fy", oracle.toString()), Duration.ofSeconds(60)).requireExit(0, 1);
        requireClean(oracle);
        return oracle;
    }

    /** Opens {@code img} read-write (which processes the orphans) and closes it again. */
    private static void openReadWrite(Path img) throws Exception {
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            assertFalse(vol.isReadOnly());
        }
    }

    @Test
    void unlinkedOpenFilesAreChainedThroughDtimeAndFreedAtTheirLastClose() throws Exception {
        Path img = mkfs("chain.img");
        List<String> empty = groupCounts(img);
        long a;
        long b;
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long[] fa = createWritten(vol, "a", 100_000);
            long[] fb = createWritten(vol, "b", 50_000);
            a = fa[0];
            b = fb[0];
            long second = vol.open(Caller.ROOT, a, WritableFileSystem.O_RDONLY);
            vol.unlink(Caller.ROOT, ROOT, "a".getBytes());
            vol.unlink(Caller.ROOT, ROOT, "b".getBytes());
            vol.fileSystem().transactions().checkpoint();
            // The newest orphan heads the list and points at the one before it, as ext4_orphan_add chains them.
            assertEquals(b, lastOrphan(img));
            assertEquals(a, dtime(img, b));
            assertEquals(0, dtime(img, a));
            assertEquals(100_000, ReadPathMatrixTest.readAll(vol, vol.getattr(a)).length, "still readable while open");

            vol.release(a, fa[1]);
            assertTrue(inUse(img, a), "one handle of a is still open");
            vol.release(a, second);
            vol.fileSystem().transactions().checkpoint();
            assertFalse(inUse(img, a));
            assertEquals(b, lastOrphan(img));
            assertEquals(0, dtime(img, b), "a, the tail, left the chain");

            vol.release(b, fb[1]);
            vol.fileSystem().transactions().checkpoint();
            assertEquals(0, lastOrphan(img));
            assertFalse(inUse(img, b));
        }
        requireClean(img);
        assertEquals(empty, groupCounts(img));
    }

    @Test
    void orphansAnExt4jCrashLeftAreFreedAtTheNextReadWriteOpenAsE2fsckFreesThem() throws Exception {
        Path img = mkfs("crash.img");
        long[] inos = new long[3];
        Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE);
        PosixFileSystem vol = PosixFileSystem.of(fs);
        for (int i = 0; i < 3; i++) {
            String name = "f" + i;
            inos[i] = createWritten(vol, name, 70_000 * (i + 1))[0];
            vol.unlink(Caller.ROOT, ROOT, name.getBytes());
        }
        WritableFileSystem.Created tmp = vol.tmpfile(Caller.ROOT, ROOT, 0600);
        vol.write(Caller.ROOT, tmp.attributes().ino(), tmp.handle(), 0, bytes(9000, 't'), 0, 9000);
        vol.fileSystem().transactions().checkpoint();
        fs.close(); // the crash: the handles are never released
        assertEquals(tmp.attributes().ino(), lastOrphan(img));

        byte[] crashed = sha256(img);
        try (PosixFileSystem ro = PosixFileSystem.open(img, OpenOptions.READ_ONLY)) {
            assertTrue(ro.isReadOnly());
        }
        assertArrayEquals(crashed, sha256(img), "a read-only open leaves the orphan list alone");

        Path oracle = e2fsckRepaired(img, "crash-e2fsck.img");
        openReadWrite(img);
        requireClean(img);
        assertEquals(0, lastOrphan(img));
        assertEquals(groupCounts(oracle), groupCounts(img));
        for (long ino : inos) {
            assertFalse(inUse(img, ino));
        }
        assertFalse(inUse(img, tmp.attributes().ino()));
    }

    /**
     * The kernel's own orphans: files written, fsynced, unlinked and still open when the
     * filesystem is shut down (xfs_io shutdown -f flushes the journal first, then stops all
     * writes), so the image needs journal replay and holds three orphans, on the classic list
     * or in the orphan file.
     */
    @ParameterizedTest
    @ValueSource(strings = {"^orphan_file", "orphan_file"})
    void orphansTheKernelLeftAtAShutdownAreFreedAsE2fsckFreesThem(String feature) throws Exception {
        Path img = mkfs("kernel.img", feature);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        String script = String.join("\n",
                "import os, subprocess, sys",
                "fds = []",
                "for i in range(3):",
                "    p = os.path.join(sys.argv[1], 'f%d' % i)",
                "    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)",
                "    os.write(fd, b'x' * (100000 * (i + 1)))",
                "    os.fsync(fd)",
                "    os.unlink(p)",
                "    fds.append(fd)",
                "subprocess.run(['xfs_io', '-x', '-c', 'shutdown -f', sys.argv[1]], check=True)",
                "for fd in fds:",
                "    os.close(fd)");
        Tools.run(List.of("mount", "-o", "loop", img.toString(), mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        try {
            Tools.run(List.of("/usr/bin/python3", "-c", script, mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        } finally {
            Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        }
        String header = Tools.runOk(List.of("dumpe2fs", "-h", img.toString())).stdout();
        assertTrue(header.contains("needs_recovery"), "the shutdown left a journal to replay");
        boolean orphanFile = !feature.startsWith("^");
        assertEquals(orphanFile, header.contains("orphan_present"));

        Path oracle = e2fsckRepaired(img, "kernel-e2fsck.img");
        openReadWrite(img);
        requireClean(img);
        assertEquals(groupCounts(oracle), groupCounts(img));
        String after = Tools.runOk(List.of("dumpe2fs", "-h", img.toString())).stdout();
        assertFalse(after.contains("orphan_present"), after);
        assertFalse(after.contains("First orphan inode"), after);
    }

    /**
     * An orphan with links is a truncate that a crash interrupted: a file of 40 KiB whose
     * i_size debugfs lowers to 5000 bytes and puts on the list. The kernel's mount and e2fsck
     * both drop the blocks past i_size; ext4j's open must end with the same blocks.
     */
    @Test
    void anInterruptedTruncateIsFinishedAsTheKernelAndE2fsckFinishIt() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("big"), bytes(40960, 'b'));
        Files.write(src.resolve("keep"), bytes(12288, 'k'));
        Path img = dir.resolve("trunc.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "2048", "-d", src.toString(), img.toString(), "32M"));
        long big = new Debugfs(img).lookup("/big").orElseThrow();
        Tools.runOk(List.of("debugfs", "-w", "-R", "sif /big size 5000", img.toString()));
        Tools.runOk(List.of("debugfs", "-w", "-R", "ssv last_orphan " + big, img.toString()));
        assertEquals(big, lastOrphan(img));

        Path oracle = e2fsckRepaired(img, "trunc-e2fsck.img");
        Path kernel = Files.copy(img, dir.resolve("trunc-kernel.img"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Tools.run(List.of("mount", "-o", "loop", kernel.toString(), mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        Tools.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30)).requireExit(0);
        requireClean(kernel);

        openReadWrite(img);
        requireClean(img);
        assertEquals(0, lastOrphan(img));
        assertEquals(groupCounts(oracle), groupCounts(img));
        assertEquals(groupCounts(kernel), groupCounts(img));
        Debugfs.InodeStat mine = new Debugfs(img).stat("/big");
        assertEquals(new Debugfs(kernel).stat("/big").blockCount(), mine.blockCount());
        assertEquals(5000, mine.size());
        assertEquals(0, dtime(img, big));
        byte[] content = new Debugfs(img).cat("/big");
        assertArrayEquals(Arrays.copyOf(bytes(40960, 'b'), 5000), content);
    }

    /** Corrupt chains: the read-write open refuses with EUCLEAN and the image stays byte-identical. */
    @Test
    void aCorruptChainRefusesTheReadWriteOpenAndWritesNothing() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.write(src.resolve("one"), bytes(8192, '1'));
        Files.write(src.resolve("two"), bytes(8192, '2'));
        Path base = dir.resolve("base.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "2048", "-d", src.toString(), base.toString(), "32M"));
        long one = new Debugfs(base).lookup("/one").orElseThrow();
        long two = new Debugfs(base).lookup("/two").orElseThrow();
        List<List<String>> corruptions = List.of(
                List.of("ssv last_orphan 99999"),                                   // beyond s_inodes_count
                List.of("ssv last_orphan 5"),                                       // a reserved inode
                List.of("ssv last_orphan 1000"),                                    // a free inode
                List.of("ssv last_orphan " + one, "sif <" + one + "> dtime " + two, // a loop
                        "sif <" + two + "> dtime " + one),
                List.of("ssv last_orphan " + one, "sif <" + one + "> dtime 70000"));  // a next beyond the inodes
        int n = 0;
        for (List<String> requests : corruptions) {
            Path img = Files.copy(base, dir.resolve("bad" + n++ + ".img"));
            for (String request : requests) {
                Tools.runOk(List.of("debugfs", "-w", "-R", request, img.toString()));
            }
            byte[] before = sha256(img);
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> openReadWrite(img), requests.toString());
            assertTrue(e instanceof CorruptionException, requests + ": " + e);
            assertArrayEquals(before, sha256(img), requests + ": nothing may be written");
            try (PosixFileSystem ro = PosixFileSystem.open(img, OpenOptions.READ_ONLY)) {
                assertEquals(8192, ReadPathMatrixTest.readAll(ro, ReadPathMatrixTest.resolve(ro, "/one")).length);
            }
            assertArrayEquals(before, sha256(img), requests + ": a read-only open leaves the list alone");
        }
    }

    @Test
    void aTmpfileWrittenAndClosedLeavesNothingBehind() throws Exception {
        Path img = mkfs("tmp.img");
        List<String> empty = groupCounts(img);
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created t = vol.tmpfile(Caller.ROOT, ROOT, 0640, WritableFileSystem.O_RDWR);
            long ino = t.attributes().ino();
            assertEquals(0, t.attributes().nlink());
            assertEquals(0100640, t.attributes().mode());
            vol.write(Caller.ROOT, ino, t.handle(), 0, bytes(300_000, 'z'), 0, 300_000);
            vol.fileSystem().transactions().checkpoint();
            assertEquals(ino, lastOrphan(img));
            assertTrue(new Debugfs(img).ls("/").stream().noneMatch(e -> e.ino() == ino), "a tmpfile has no name");
            vol.release(ino, t.handle());
            vol.fileSystem().transactions().checkpoint();
            assertEquals(0, lastOrphan(img));
            assertFalse(inUse(img, ino));
        }
        requireClean(img);
        assertEquals(empty, groupCounts(img));
    }

    @Test
    void aLinkedTmpfileBecomesAnOrdinaryFileOffTheOrphanList() throws Exception {
        Path img = mkfs("tmplink.img");
        long ino;
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            long[] other = createWritten(vol, "older", 5000);
            vol.unlink(Caller.ROOT, ROOT, "older".getBytes());
            WritableFileSystem.Created t = vol.tmpfile(Caller.ROOT, ROOT, 0644);
            ino = t.attributes().ino();
            vol.write(Caller.ROOT, ino, t.handle(), 0, bytes(20_000, 'q'), 0, 20_000);
            vol.mknod(Caller.ROOT, ROOT, "taken".getBytes(), 0100644, 0, 0);
            assertErrno(Errno.EEXIST, () -> vol.link(Caller.ROOT, ino, ROOT, "taken".getBytes()));
            assertEquals(1, vol.link(Caller.ROOT, ino, ROOT, "named".getBytes()).nlink());
            vol.fileSystem().transactions().checkpoint();
            // The tmpfile headed the list; linking it leaves the older orphan as the head.
            assertEquals(other[0], lastOrphan(img));
            assertEquals(0, dtime(img, ino));
            vol.release(ino, t.handle());
            vol.release(other[0], other[1]);
            // Once named it is an ordinary file: a second unnamed link is no longer possible after unlink.
            long h = vol.open(Caller.ROOT, ino, WritableFileSystem.O_RDONLY);
            vol.unlink(Caller.ROOT, ROOT, "named".getBytes());
            assertErrno(Errno.ENOENT, () -> vol.link(Caller.ROOT, ino, ROOT, "again".getBytes()));
            vol.link(Caller.ROOT, vol.lookup(Caller.ROOT, ROOT, "taken".getBytes()).ino(), ROOT, "taken2".getBytes());
            vol.release(ino, h);
            WritableFileSystem.Created kept = vol.tmpfile(Caller.ROOT, ROOT, 0600);
            vol.write(Caller.ROOT, kept.attributes().ino(), kept.handle(), 0, bytes(7000, 'k'), 0, 7000);
            vol.link(Caller.ROOT, kept.attributes().ino(), ROOT, "kept".getBytes());
            vol.release(kept.attributes().ino(), kept.handle());
        }
        requireClean(img);
        assertEquals(0, lastOrphan(img));
        assertFalse(inUse(img, ino));
        assertArrayEquals(bytes(7000, 'k'), new Debugfs(img).cat("/kept"));
    }

    @Test
    void anExclusiveTmpfileCannotBeLinked() throws Exception {
        Path img = mkfs("tmpexcl.img");
        try (PosixFileSystem vol = PosixFileSystem.open(img, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created t = vol.tmpfile(Caller.ROOT, ROOT, 0644, RW_EXCL);
            assertErrno(Errno.ENOENT, () -> vol.link(Caller.ROOT, t.attributes().ino(), ROOT, "x".getBytes()));
            assertErrno(Errno.EINVAL, () -> vol.tmpfile(Caller.ROOT, ROOT, 0644, WritableFileSystem.O_RDONLY));
            Caller user = new Caller(1000, 1000, new long[0], 1);
            assertErrno(Errno.EACCES, () -> vol.tmpfile(user, ROOT, 0644));
            long d = vol.mkdir(Caller.ROOT, ROOT, "d".getBytes(), 0755).ino();
            vol.rmdir(Caller.ROOT, ROOT, "d".getBytes());
            assertThrows(Ext4Exception.class, () -> vol.tmpfile(Caller.ROOT, d, 0644));
            long f = vol.mknod(Caller.ROOT, ROOT, "f".getBytes(), 0100644, 0, 0).ino();
            assertErrno(Errno.ENOTDIR, () -> vol.tmpfile(Caller.ROOT, f, 0644));
        }
        requireClean(img);
        assertEquals(0, lastOrphan(img));
    }

    private static void assertErrno(Errno expected, Runnable op) {
        Ext4Exception e = assertThrows(Ext4Exception.class, op::run);
        assertEquals(expected, e.errno(), e.getMessage());
    }
}
