package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FS_IOC_SETFLAGS requests that turn EXTENTS_FL on or off (chattr -e, "chattr =", flags 0, +e)
 * run against the kernel's ext4 on a loop mount and against ext4j on copies of one image, in the
 * same order: each request must end alike (success or the same errno, with the same flags after,
 * for the kernel applies the other flags before it converts the block map), and afterwards each
 * file must have the same flags, i_blocks, data blocks (debugfs blocks) and content (debugfs cat)
 * on both images, the content the file was made with, and both images must pass e2fsck -fn.
 */
class SetflagsMigrationTest {
    /** Runs "path=op" requests on the current directory and prints one line per request (see {@link #line}). */
    private static final String KERNEL_SETFLAGS = String.join("\n",
            "import fcntl, os, struct, sys",
            "GET, SET = 0x80086601, 0x40086602",
            "def get(fd): return struct.unpack('i', fcntl.ioctl(fd, GET, b'\\0' * 4))[0] & 0xffffffff",
            "for arg in sys.argv[1:]:",
            "    path, op = arg.split('=')",
            "    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)",
            "    before = get(fd)",
            "    value = before | int(op[1:], 16) if op[0] == '+' else before & ~int(op[1:], 16) if op[0] == '-' else int(op, 16)",
            "    try:",
            "        fcntl.ioctl(fd, SET, struct.pack('I', value)); result = 0",
            "    except OSError as e:",
            "        result = e.errno",
            "    print('%s 0x%x -> 0x%x: %d, now 0x%x' % (path, before, value, result, get(fd)))",
            "    os.close(fd)");

    private static final int EXTENTS = 0x80000;

    @TempDir
    Path dir;

    private record Sides(Path kernel, Path ours) {
    }

    /** The files the requests work on, in units of the image's block size. */
    private Path source(int bs) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Random random = new Random(bs);
        Files.createFile(src.resolve("empty"));
        Files.createFile(src.resolve("appendme"));
        write(src.resolve("one"), random, bs, 0);
        write(src.resolve("twelve"), random, bs, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        write(src.resolve("thirteen"), random, bs, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        write(src.resolve("imm"), random, bs, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        write(src.resolve("at5"), random, bs, 5);
        write(src.resolve("two"), random, bs, 0, 3);
        long[] everyOther = new long[20];
        for (int i = 0; i < everyOther.length; i++) {
            everyOther[i] = 2L * i;
        }
        write(src.resolve("every-other"), random, bs, everyOther);
        // Logical blocks under i_block[13], the double-indirect block.
        write(src.resolve("deep"), random, bs, 0, 12 + bs / 4 + 10, 12 + bs / 4 + 11);
        long[] big = new long[300];
        for (int i = 0; i < big.length; i++) {
            big[i] = i;
        }
        write(src.resolve("big"), random, bs, big);
        Path small = Files.createDirectories(src.resolve("dir"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(small.resolve("f" + i), "entry " + i);
        }
        // Enough 60-byte names for more than twelve directory blocks at 4 KiB.
        Path large = Files.createDirectories(src.resolve("bigdir"));
        for (int i = 0; i < 1000; i++) {
            Files.createFile(large.resolve(String.format("%060d", i)));
        }
        return src;
    }

    private static void write(Path file, Random random, int bs, long... blocks) throws Exception {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            for (long lblk : blocks) {
                byte[] data = new byte[bs];
                random.nextBytes(data);
                channel.write(java.nio.ByteBuffer.wrap(data), lblk * bs);
            }
        }
    }

    /** Makes the image with mkfs -d, runs {@code setup} debugfs requests on it, and returns two copies. */
    private Sides images(int bs, List<String> mkfsOptions, List<String> setup) throws Exception {
        Path image = dir.resolve("base.img");
        List<String> options = new ArrayList<>(mkfsOptions);
        options.addAll(List.of("-b", Integer.toString(bs), "-d", source(bs).toString()));
        ImageFactory.mkfs(image, "64M", options.toArray(String[]::new));
        if (!setup.isEmpty()) {
            new Debugfs(image).write(setup);
        }
        ImageFactory.requireClean(image);
        return new Sides(Files.copy(image, dir.resolve("kernel.img")), Files.copy(image, dir.resolve("ours.img")));
    }

    private static String line(String path, long before, long value, int errno, long after) {
        return String.format("%s 0x%x -> 0x%x: %d, now 0x%x", path, before, value, errno, after);
    }

    /** Runs the requests through ext4j on {@code image}, printing what the kernel script prints. */
    private static List<String> ours(Path image, List<String> requests) throws Exception {
        Debugfs debugfs = new Debugfs(image);
        List<Long> inos = new ArrayList<>();
        for (String request : requests) {
            String path = "/" + request.substring(0, request.indexOf('='));
            inos.add(debugfs.lookup(path).orElseThrow(() -> new AssertionError("no " + path)));
        }
        List<String> out = new ArrayList<>();
        try (PosixFileSystem volume = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            for (int i = 0; i < requests.size(); i++) {
                String path = requests.get(i).substring(0, requests.get(i).indexOf('='));
                String op = requests.get(i).substring(path.length() + 1);
                long ino = inos.get(i);
                int before = volume.getflags(ino);
                int operand = op.charAt(0) == '+' || op.charAt(0) == '-' ? Integer.parseUnsignedInt(op.substring(1), 16) : 0;
                int value = op.charAt(0) == '+' ? before | operand : op.charAt(0) == '-' ? before & ~operand
                        : Integer.parseUnsignedInt(op, 16);
                int errno = 0;
                try {
                    volume.setflags(Caller.ROOT, ino, value);
                } catch (Ext4Exception e) {
                    errno = e.errno().code();
                }
                out.add(line(path, before & 0xffffffffL, value & 0xffffffffL, errno, volume.getflags(ino) & 0xffffffffL));
            }
        }
        return out;
    }

    private List<String> kernel(Path image, List<String> requests) throws Exception {
        Path script = Files.writeString(dir.resolve("setflags.py"), KERNEL_SETFLAGS);
        String output = Tools.onKernelMount(image, dir.resolve("mnt"), "",
                "/usr/bin/python3 " + script + " " + String.join(" ", requests));
        return List.of(output.strip().split("\n"));
    }

    /** Runs {@code requests} on both sides and compares everything the class comment lists. */
    private void compare(Sides sides, List<String> requests) throws Exception {
        Path src = dir.resolve("src");
        List<String> kernel = kernel(sides.kernel(), requests);
        List<String> ours = ours(sides.ours(), requests);
        System.out.println(String.join("\n", kernel));
        assertEquals(String.join("\n", kernel), String.join("\n", ours), "request by request: kernel, then ext4j");
        ImageFactory.requireClean(sides.kernel());
        ImageFactory.requireClean(sides.ours());
        Debugfs k = new Debugfs(sides.kernel());
        Debugfs o = new Debugfs(sides.ours());
        for (String file : requests.stream().map(r -> r.substring(0, r.indexOf('='))).distinct().toList()) {
            String path = "/" + file;
            Debugfs.InodeStat ks = k.stat(path);
            Debugfs.InodeStat os = o.stat(path);
            assertEquals(ks.flags(), os.flags(), "flags of " + path);
            assertEquals(ks.blockCount(), os.blockCount(), "i_blocks of " + path);
            assertEquals(k.blocks(path), o.blocks(path), "data blocks of " + path);
            if (ks.type().equals("regular")) {
                // unw was made by debugfs: all of it reads as zeros.
                byte[] made = Files.exists(src.resolve(file)) ? Files.readAllBytes(src.resolve(file)) : new byte[(int) ks.size()];
                assertArrayEquals(made, k.cat(path), "kernel's content of " + path);
                assertArrayEquals(made, o.cat(path), "ext4j's content of " + path);
            } else {
                assertEquals(k.ls(path), o.ls(path), "entries of " + path);
            }
        }
    }

    /** Clearing EXTENTS_FL: what fits twelve block pointers in one written extent is converted, the rest is EOPNOTSUPP. */
    private static final List<String> CLEAR_EXTENTS = List.of("empty=0", "one=0", "twelve=0", "thirteen=0", "at5=0",
            "two=20", "imm=+10", "imm=0", "appendme=20", "unw=0", "dir=0", "bigdir=0", "big=-80000",
            "one=+80000", "empty=+80020", "twelve=+80000", "twelve=0");

    /** An unwritten extent, which debugfs can make and mkfs -d cannot. */
    private static final List<String> UNWRITTEN = List.of("write /dev/null unw", "fallocate /unw 0 1");

    @Test
    void clearingAndSettingExtentsOnExt4With4kBlocks() throws Exception {
        compare(images(4096, List.of("-t", "ext4"), UNWRITTEN), CLEAR_EXTENTS);
    }

    @Test
    void clearingAndSettingExtentsOnExt4With1kBlocks() throws Exception {
        compare(images(1024, List.of("-t", "ext4"), UNWRITTEN), CLEAR_EXTENTS);
    }

    /** Without the extents feature +e is EINVAL, after the other flags have changed. */
    @Test
    void settingExtentsWithoutTheFeatureIsEinval() throws Exception {
        compare(images(4096, List.of("-t", "ext3"), List.of()), List.of("big=+80000", "empty=+80020", "dir=+80000",
                "one=0", "imm=+10", "imm=0", "thirteen=+" + Integer.toHexString(EXTENTS | 0x10), "thirteen=0"));
    }

    /** Inline data has no block map to convert: +e is EINVAL (other flags changed), flags without it leave the data inline. */
    @Test
    void inlineDataCannotBecomeExtents() throws Exception {
        compare(images(4096, List.of("-t", "ext4", "-O", "inline_data"), List.of()), List.of("dir/f0=+80000",
                "dir/f1=+80020", "dir/f2=0", "dir=+80000", "dir=+40", "one=0", "one=+80000"));
    }

    /** ext3 files on a filesystem given the extents feature afterwards: +e converts any block map, -e only small ones. */
    @Test
    void settingExtentsConvertsIndirectMapsOfAnySize() throws Exception {
        Sides sides = images(4096, List.of("-t", "ext3"), List.of("feature extent"));
        compare(sides, List.of("big=+80000", "every-other=+80000", "deep=+80000", "dir=+80000", "bigdir=+80000",
                "empty=+80000", "at5=+80000", "two=+80020", "big=0", "every-other=-80000", "one=+80000", "one=0",
                "imm=+80010", "imm=0", "thirteen=+80000"));
    }
}
