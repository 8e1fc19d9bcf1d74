package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fallocate COLLAPSE_RANGE and INSERT_RANGE against the kernel's ext4: the kernel builds an image
 * (files with hundreds of extents so the tree has depth 1 or 2, unwritten extents inside and
 * past i_size, holes, append-only and setuid files), two copies get the same calls, one through
 * fallocate(1) and python3 on a loop mount, one through ext4j. Every call's errno must match;
 * afterwards both images pass e2fsck -fn, and per file the kernel (mounting each image
 * read-only) must see the same size, mode, content, SEEK_DATA/SEEK_HOLE map and whether mtime
 * moved, and debugfs the same logical-to-physical mapping with the same unwritten runs.
 */
class CollapseInsertRangeTest {
    private static final int C = WritableFileSystem.FALLOC_FL_COLLAPSE_RANGE;
    private static final int I = WritableFileSystem.FALLOC_FL_INSERT_RANGE;
    private static final int K = WritableFileSystem.FALLOC_FL_KEEP_SIZE;
    private static final int P = WritableFileSystem.FALLOC_FL_PUNCH_HOLE;
    private static final Caller USER = new Caller(1000, 1000, new long[0], 4242);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** One fallocate call: by root unless {@code uid} is 1000; open with {@code openFlags}; with the immutable flag set on the open file. */
    private record Call(String path, int mode, long offset, long length, long uid, int openFlags, boolean immutable) {
        static Call of(String path, int mode, long offset, long length) {
            return new Call(path, mode, offset, length, 0, WritableFileSystem.O_WRONLY, false);
        }

        /** Plain root calls go through fallocate(1); the rest need python3. */
        boolean plain() {
            return uid == 0 && openFlags == WritableFileSystem.O_WRONLY && !immutable && (mode == C || mode == I)
                    && offset >= 0 && length > 0;
        }
    }

    /** Builds the kernel's starting files; every file's times end at second 1000. */
    private static final String SETUP = String.join("\n",
            "import os, sys, random",
            "m, bs, frag, split = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])",
            "r = random.Random(7)",
            "def data(n): return bytes(r.getrandbits(8) for _ in range(n))",
            "def write(name, off, n):",
            "    fd = os.open(m + '/' + name, os.O_WRONLY | os.O_CREAT, 0o644)",
            "    os.pwrite(fd, data(n), off); os.close(fd)",
            "for i in range(frag): write('frag', 2 * i * bs, bs)",
            "for i in range(split): write('split', 3 * i * bs, 2 * bs)",
            "write('contig', 0, 600 * bs)",
            "write('unwritten', 0, 1)",
            "os.system('fallocate -l %d %s/unwritten' % (300 * bs, m))",
            "write('unwritten', 20 * bs + 100, 30 * bs)",
            "write('unwritten', 200 * bs, 5 * bs)",
            "os.system('fallocate -n -o %d -l %d %s/unwritten' % (300 * bs, 100 * bs, m))",
            "write('sparse', 0, 3 * bs); write('sparse', 100 * bs, 4 * bs); write('sparse', 300 * bs + 5, 700)",
            "os.truncate(m + '/sparse', 400 * bs)",
            "for name in ('suid', 'append', 'imm'): write(name, 0, 40 * bs)",
            "os.chown(m + '/suid', 1000, 1000); os.chmod(m + '/suid', 0o6775)",
            "os.chmod(m + '/imm', 0o666)",
            "os.system('sync')",
            "for name in os.listdir(m):",
            "    if name != 'lost+found': os.utime(m + '/' + name, (1000, 1000))",
            "os.system('chattr +a ' + m + '/append')");

    /** Runs calls that fallocate(1) cannot express: prints one errno (0 = success) per call. */
    private static final String CALLS = String.join("\n",
            "import ctypes, fcntl, os, struct, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]",
            "path, mode, off, ln, uid, flags, imm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), "
                    + "int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == 'true'",
            "pid = os.fork()",
            "if pid == 0:",
            "    try:",
            "        if uid: os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)",
            "        fd = os.open(path, flags)",
            "    except OSError as e: os._exit(e.errno)",
            "    if imm: fcntl.ioctl(fd, 0x40086602, struct.pack('q', 0x10 | 0x80000))",
            "    r = libc.fallocate(fd, mode, off, ln)",
            "    e = ctypes.get_errno() if r else 0",
            "    if imm: fcntl.ioctl(fd, 0x40086602, struct.pack('q', 0x80000))",
            "    os._exit(e)",
            "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))");

    /** What the kernel sees of each file: size, mode, mtime moved, sha256, SEEK_DATA/SEEK_HOLE map. */
    private static final String INSPECT = String.join("\n",
            "import hashlib, os, sys",
            "m = sys.argv[1]",
            "for name in sorted(os.listdir(m)):",
            "    if name == 'lost+found': continue",
            "    p = m + '/' + name; s = os.stat(p)",
            "    fd = os.open(p, os.O_RDONLY); runs = []; pos = 0",
            "    while pos < s.st_size:",
            "        try: d = os.lseek(fd, pos, os.SEEK_DATA)",
            "        except OSError: break",
            "        h = os.lseek(fd, d, os.SEEK_HOLE); runs.append((d, h)); pos = h",
            "    digest = hashlib.sha256(os.read(fd, s.st_size) if s.st_size < (1 << 26) else b'').hexdigest()",
            "    os.close(fd)",
            "    print(name, s.st_size, oct(s.st_mode), s.st_mtime_ns == 1000 * 10**9, digest, runs)");

    @Test
    void depthOneTreesMatchTheKernel() throws Exception {
        int bs = 4096;
        List<Call> calls = new ArrayList<>(mainCalls(bs));
        calls.addAll(errorCalls(bs));
        Path base = kernelImage(List.of("-t", "ext4", "-b", "4096"), bs, 700, 300);
        assertTrue(maxLevel(base, "/frag") >= 1, "the fragmented file should have an extent tree of depth >= 1");
        compare(base, calls, bs);
    }

    @Test
    void deeperTreesOnOneKilobyteBlocksMatchTheKernel() throws Exception {
        int bs = 1024;
        // Four two-block extents fill i_block: cutting one in the middle makes the tree grow a level.
        Path base = kernelImage(List.of("-t", "ext4", "-b", "1024"), bs, 700, 4);
        assertTrue(maxLevel(base, "/frag") >= 2, "the fragmented file should have an extent tree of depth >= 2");
        int splitDepth = maxLevel(base, "/split");
        assertEquals(0, splitDepth, "the split file should start with its extents in i_block");
        List<Call> grow = List.of(Call.of("split", I, 3L * 2 * bs + bs, bs), Call.of("split", I, bs, 7L * bs));
        Path grown = compare(base, grow, bs, java.util.Set.of());
        assertEquals(1, maxLevel(grown, "/split"), "cutting an extent in a full root adds a level");
        List<Call> calls = new ArrayList<>(mainCalls(bs));
        calls.addAll(grow);
        // Back to four extents: ext4j pulls the leaf into i_block again (the kernel keeps it; the mapping is the same).
        calls.add(Call.of("split", C, 0, 9L * bs));
        compare(base, calls, bs, java.util.Set.of());
    }

    /** Without metadata_csum or 64bit the same calls end the same way. */
    @Test
    void olderFeatureSetsMatchTheKernel() throws Exception {
        int bs = 4096;
        Path base = kernelImage(List.of("-t", "ext4", "-b", "4096", "-O", "^metadata_csum,^64bit"), bs, 500, 100);
        compare(base, mainCalls(bs), bs);
    }

    /** ext3 files have indirect maps: EOPNOTSUPP, after the call already counted as a modification. */
    @Test
    void indirectFilesAreRefusedAsTheKernelRefusesThem() throws Exception {
        int bs = 4096;
        Path base = kernelImage(List.of("-t", "ext3", "-b", "4096"), bs, 20, 10);
        compare(base, List.of(Call.of("contig", C, 0, bs), Call.of("contig", I, bs, bs), Call.of("frag", C, 1, bs),
                Call.of("sparse", C, 0, 1L << 44), new Call("suid", C, 0, bs, 1000, WritableFileSystem.O_WRONLY, false)), bs);
    }

    /** An inline file moves to blocks first; the conversion stays when the collapse is then refused. */
    @Test
    void inlineFilesAreConvertedFirst() throws Exception {
        int bs = 4096;
        Path base = kernelImage(List.of("-t", "ext4", "-b", "4096", "-O", "inline_data"), bs, 20, 10);
        Path mnt = Files.createDirectories(dir.resolve("tiny-mnt"));
        mount(base, mnt, false);
        try {
            Files.write(mnt.resolve("small1"), "collapse me".getBytes(StandardCharsets.US_ASCII));
            Files.write(mnt.resolve("small2"), "insert before me".getBytes(StandardCharsets.US_ASCII));
            Tools.run(List.of("/usr/bin/python3", "-c", "import os,sys\nfor n in ('small1','small2'): os.utime(sys.argv[1]+'/'+n,(1000,1000))",
                    mnt.toString()), TIMEOUT).requireExit(0);
        } finally {
            umount(mnt);
        }
        assertTrue(new Debugfs(base).run("stat /small1").contains("Size of inline data"), "small1 should be inline");
        compare(base, List.of(Call.of("small1", C, 0, bs), Call.of("small2", I, 0, bs), Call.of("contig", C, bs, bs)), bs,
                java.util.Set.of("small1", "small2"));
    }

    private static List<Call> mainCalls(int bs) {
        long b = bs;
        return List.of(
                // The hole between two data blocks goes: they meet and, physically adjacent, merge.
                Call.of("frag", C, b, b),
                Call.of("frag", C, 11 * b, 4 * b),
                Call.of("frag", C, 201 * b, 100 * b),
                Call.of("frag", I, 50 * b, 3 * b),
                Call.of("frag", I, 3 * b, 1000 * b),
                Call.of("frag", C, 0, 2 * b),
                Call.of("contig", I, 5 * b, 2 * b),
                Call.of("contig", C, 17 * b, 9 * b),
                Call.of("contig", C, 0, 3 * b),
                Call.of("contig", I, 0, 40 * b),
                Call.of("unwritten", I, 30 * b, 4 * b),
                Call.of("unwritten", C, 10 * b, 5 * b),
                Call.of("unwritten", I, 22 * b, b),
                Call.of("unwritten", C, 100 * b, 150 * b),
                Call.of("sparse", C, 10 * b, 50 * b),
                Call.of("sparse", I, 0, 7 * b),
                Call.of("sparse", C, 2 * b, 100 * b),
                Call.of("frag", C, 10 * b, 1200 * b));
    }

    private static List<Call> errorCalls(int bs) {
        long b = bs;
        long maxBytes = ((1L << 32) - 1) * b;
        int wr = WritableFileSystem.O_WRONLY;
        return List.of(
                Call.of("contig", C, 1, b),
                Call.of("contig", C, b, 100),
                Call.of("contig", I, b + 512, b),
                Call.of("contig", C, b, 10_000 * b),
                Call.of("contig", C, 10_000 * b, b),
                Call.of("contig", I, 10_000 * b, b),
                Call.of("contig", I, 0, maxBytes - 8 * b),
                Call.of("contig", I, 0, maxBytes + b),
                new Call("contig", C | K, 0, b, 0, wr, false),
                new Call("contig", I | K, 0, b, 0, wr, false),
                new Call("contig", C | P, 0, b, 0, wr, false),
                new Call("contig", C | I, 0, b, 0, wr, false),
                new Call("contig", C, -b, b, 0, wr, false),
                new Call("contig", I, 0, 0, 0, wr, false),
                new Call("contig", C, 0, b, 0, WritableFileSystem.O_RDONLY, false),
                new Call("append", C, 0, b, 0, wr | WritableFileSystem.O_APPEND, false),
                new Call("append", I, 0, b, 0, wr | WritableFileSystem.O_APPEND, false),
                new Call("imm", C, 0, b, 0, wr, true),
                new Call("imm", I, 0, b, 0, wr, true),
                // A refused collapse by the owner still drops setuid and setgid and moves mtime, as 6.18 does.
                new Call("suid", C, 0, 40 * b, 1000, wr, false),
                new Call("suid", C, 0, b, 1000, wr, false));
    }

    /** A fresh image made by mkfs with {@code mkfsArgs}, populated by the kernel with {@link #SETUP}. */
    private Path kernelImage(List<String> mkfsArgs, int bs, int fragExtents, int splitExtents) throws Exception {
        Path img = dir.resolve("base.img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(mkfsArgs);
        mkfs.addAll(List.of(img.toString(), "64M"));
        Tools.run(mkfs, TIMEOUT).requireExit(0);
        Path mnt = Files.createDirectories(dir.resolve("setup-mnt"));
        mount(img, mnt, false);
        try {
            Tools.run(List.of("/usr/bin/python3", "-c", SETUP, mnt.toString(), Integer.toString(bs),
                    Integer.toString(fragExtents), Integer.toString(splitExtents)), TIMEOUT).requireExit(0);
        } finally {
            umount(mnt);
        }
        ImageFactory.requireClean(img);
        return img;
    }

    /**
     * Runs {@code calls} on a kernel copy and an ext4j copy of {@code base} and compares
     * everything the class comment lists; returns the ext4j image.
     */
    private Path compare(Path base, List<Call> calls, int bs) throws Exception {
        return compare(base, calls, bs, java.util.Set.of());
    }

    /** As {@link #compare(Path, List, int)}; the files in {@code allocated} got new blocks, so only their logical layout is compared. */
    private Path compare(Path base, List<Call> calls, int bs, java.util.Set<String> allocated) throws Exception {
        Path kernelImage = Files.copy(base, dir.resolve("kernel.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path ext4jImage = Files.copy(base, dir.resolve("ext4j.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> kernel = new ArrayList<>();
        mount(kernelImage, mnt, false);
        try {
            for (Call call : calls) {
                kernel.add(describe(call) + " -> " + kernelCall(mnt, call));
            }
        } finally {
            umount(mnt);
        }
        List<String> ext4j = new ArrayList<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(ext4jImage, false), OpenOptions.READ_WRITE)) {
            PosixFileSystem volume = PosixFileSystem.of(fs);
            for (Call call : calls) {
                ext4j.add(describe(call) + " -> " + ext4jCall(volume, call));
            }
        }
        assertEquals(String.join("\n", kernel), String.join("\n", ext4j), "errnos of the calls");
        ImageFactory.requireClean(kernelImage);
        ImageFactory.requireClean(ext4jImage);

        String kernelView = inspect(kernelImage, mnt);
        String ext4jView = inspect(ext4jImage, mnt);
        assertEquals(kernelView, ext4jView, "what the kernel reads from each image");
        for (String name : files(kernelView)) {
            List<Mapping> want = runs(kernelImage, "/" + name);
            List<Mapping> got = runs(ext4jImage, "/" + name);
            if (allocated.contains(name)) {
                want = want.stream().map(m -> new Mapping(m.lblk(), 0, m.length(), m.kind())).toList();
                got = got.stream().map(m -> new Mapping(m.lblk(), 0, m.length(), m.kind())).toList();
            }
            assertEquals(want, got, "block mapping of " + name);
        }
        return ext4jImage;
    }

    private static String describe(Call c) {
        return c.path() + " mode 0x" + Integer.toHexString(c.mode()) + " @" + c.offset() + " +" + c.length()
                + (c.uid() != 0 ? " uid " + c.uid() : "") + (c.immutable() ? " immutable" : "");
    }

    /** The kernel's answer: "ok" or the errno's name. */
    private static String kernelCall(Path mnt, Call call) {
        String path = mnt.resolve(call.path()).toString();
        if (call.plain()) {
            Tools.Result r = Tools.run(List.of("fallocate", call.mode() == C ? "-c" : "-i", "-o", Long.toString(call.offset()),
                    "-l", Long.toString(call.length()), path), TIMEOUT);
            if (r.exitCode() == 0) {
                return "ok";
            }
            for (Map.Entry<String, Errno> e : Map.of("Invalid argument", Errno.EINVAL, "Operation not supported", Errno.EOPNOTSUPP,
                    "File too large", Errno.EFBIG, "Operation not permitted", Errno.EPERM).entrySet()) {
                if (r.stderr().contains(e.getKey())) {
                    return e.getValue().name();
                }
            }
            throw new AssertionError(r.describe("failed without a known error"));
        }
        int pyFlags = (call.openFlags() & WritableFileSystem.O_ACCMODE) == WritableFileSystem.O_RDONLY ? 0 : 1;
        if ((call.openFlags() & WritableFileSystem.O_APPEND) != 0) {
            pyFlags |= 02000;
        }
        Tools.Result r = Tools.run(List.of("/usr/bin/python3", "-c", CALLS, path, Integer.toString(call.mode()),
                Long.toString(call.offset()), Long.toString(call.length()), Long.toString(call.uid()), Integer.toString(pyFlags),
                Boolean.toString(call.immutable())), TIMEOUT).requireExit(0);
        int code = Integer.parseInt(r.stdout().trim());
        if (code == 0) {
            return "ok";
        }
        for (Errno e : Errno.values()) {
            if (e.code() == code) {
                return e.name();
            }
        }
        throw new AssertionError("errno " + code);
    }

    private static String ext4jCall(PosixFileSystem volume, Call call) {
        Caller caller = call.uid() == 0 ? Caller.ROOT : USER;
        long ino = volume.lookup(Caller.ROOT, WritableFileSystem.ROOT_INO, call.path().getBytes(StandardCharsets.UTF_8)).ino();
        long handle;
        try {
            handle = volume.open(caller, ino, call.openFlags());
        } catch (Ext4Exception e) {
            return e.errno().name();
        }
        int flags = volume.getflags(ino);
        try {
            if (call.immutable()) {
                volume.setflags(Caller.ROOT, ino, flags | 0x10);
            }
            volume.fallocate(caller, ino, handle, call.mode(), call.offset(), call.length());
            return "ok";
        } catch (Ext4Exception e) {
            return e.errno().name();
        } finally {
            if (call.immutable()) {
                volume.setflags(Caller.ROOT, ino, flags);
            }
            volume.release(ino, handle);
        }
    }

    /** {@link #INSPECT} on a read-only loop mount of {@code image}. */
    private static String inspect(Path image, Path mnt) {
        mount(image, mnt, true);
        try {
            return Tools.run(List.of("/usr/bin/python3", "-c", INSPECT, mnt.toString()), TIMEOUT).requireExit(0).stdout();
        } finally {
            umount(mnt);
        }
    }

    private static List<String> files(String view) {
        List<String> names = new ArrayList<>();
        for (String line : view.split("\n")) {
            if (!line.isBlank()) {
                names.add(line.substring(0, line.indexOf(' ')));
            }
        }
        return names;
    }

    /** debugfs's leaf extents of {@code path}, neighbours that continue each other joined: the mapping, whatever the tree shape. */
    private static List<Mapping> runs(Path image, String path) throws IOException, InterruptedException {
        List<Mapping> out = new ArrayList<>();
        for (Mapping m : BlockMapChecks.leafExtents(new Debugfs(image).extents(path))) {
            Mapping last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.kind() == m.kind() && last.lblkEnd() == m.lblk() && last.pblk() + last.length() == m.pblk()) {
                out.set(out.size() - 1, new Mapping(last.lblk(), last.pblk(), last.length() + m.length(), m.kind()));
            } else {
                out.add(m);
            }
        }
        return out;
    }

    private static int maxLevel(Path image, String path) throws IOException, InterruptedException {
        return new Debugfs(image).extents(path).stream().mapToInt(Debugfs.ExtentLine::maxLevel).max().orElse(0);
    }

    private static void mount(Path image, Path mnt, boolean readOnly) {
        Tools.run(List.of("mount", "-t", "ext4", "-o", (readOnly ? "ro,noload," : "") + "loop", image.toString(), mnt.toString()),
                TIMEOUT).requireExit(0);
    }

    private static void umount(Path mnt) {
        Tools.run(List.of("umount", mnt.toString()), TIMEOUT).requireExit(0);
    }
}
