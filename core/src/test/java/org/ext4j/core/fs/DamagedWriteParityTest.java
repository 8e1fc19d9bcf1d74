package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ext4j.core.spi.Attributes;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.Ext4Exception;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.FsckReport;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Writes through pointers that name fixed metadata, compared with the kernel's ext4 on a loop
 * mount of the same damaged image. debugfs makes the damage and keeps every checksum valid, so only
 * the block-validity checks (the system zone) can catch it. For each layout (ext4 with 4 KiB and
 * 1 KiB blocks, ext3 with block maps, ext2 without a journal), each kind of pointer (a file's
 * data, a directory's block, an inode's xattr block) and each kind of metadata it is pointed at
 * (descriptors, block bitmap, inode bitmap, inode table, journal), the same short workload runs on
 * both; both must refuse with the same errno, and e2fsck must find no more problems in ext4j's
 * image afterwards than before.
 */
class DamagedWriteParityTest {
    @TempDir
    static Path dir;

    enum Layout {
        EXT4_4K("-t", "ext4", "-b", "4096"),
        EXT4_1K("-t", "ext4", "-b", "1024"),
        EXT3("-t", "ext3"),
        EXT2("-t", "ext2");

        final String[] mkfs;

        Layout(String... mkfs) {
            this.mkfs = mkfs;
        }

        boolean extents() {
            return this == EXT4_4K || this == EXT4_1K;
        }

        boolean journal() {
            return this != EXT2;
        }
    }

    enum Target { DESCRIPTORS, BLOCK_BITMAP, INODE_BITMAP, INODE_TABLE, JOURNAL }

    enum Via { FILE_DATA, DIRECTORY, XATTR_BLOCK }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Target target : Target.values()) {
                if (target == Target.JOURNAL && !layout.journal()) {
                    continue;
                }
                for (Via via : Via.values()) {
                    all.add(Arguments.of(layout, target, via));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {2} -> {1}")
    @MethodSource("cases")
    void writesThroughPointersIntoMetadataAreRefusedLikeTheKernel(Layout layout, Target target, Via via) throws Exception {
        Path image = damaged(layout, target, via);
        FsckReport before = FsckReport.of(image);
        assertNotEquals(0, before.exitCode(), "e2fsck does not see the damage: " + before.output());

        Path kernelCopy = dir.resolve("kernel-" + image.getFileName());
        Files.copy(image, kernelCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String kernel = Tools.onKernelMount(kernelCopy, dir.resolve("mnt"), "", "python3 -c '" + kernelScript(via) + "'").strip();

        String ours = ext4jWorkload(image, via);
        FsckReport after = FsckReport.of(image);

        assertEquals(errnoOf(kernel), errnoOf(ours), "kernel: " + kernel + ", ext4j: " + ours);
        String worse = after.worseThan(before);
        assertTrue(worse == null, "ext4j made the image worse: " + worse + "\nbefore:\n" + before.output() + "\nafter:\n" + after.output());
        String state = Tools.dumpe2fsField(image, "Filesystem state");
        assertTrue(state.contains("with errors"), "the error is recorded in the superblock: " + state);
    }

    /**
     * errors=remount-ro (here from the superblock, set by tune2fs): after the first error the kernel
     * refuses every write with EROFS; ext4j stops writing the same way, and keeps what was
     * written before the error.
     */
    @org.junit.jupiter.api.Test
    void errorsRemountReadOnlyStopsWritingLikeTheKernel() throws Exception {
        Path image = damaged(Layout.EXT4_4K, Target.INODE_TABLE, Via.FILE_DATA);
        Tools.runOk(List.of("tune2fs", "-e", "remount-ro", image.toString()));
        Path kernelCopy = dir.resolve("kernel-remount-ro.img");
        Files.copy(image, kernelCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String script = "import os, errno\n"
                + "open(\"before\", \"w\").write(\"kept\")\n"
                + "os.sync()\n"
                + "try:\n    os.lstat(\"victim\"); print(\"lookup ok\")\n"
                + "except OSError as e:\n    print(\"lookup\", errno.errorcode[e.errno])\n"
                + "try:\n    open(\"after\", \"w\").write(\"x\"); print(\"create ok\")\n"
                + "except OSError as e:\n    print(\"create\", errno.errorcode[e.errno])\n";
        String kernel = Tools.onKernelMount(kernelCopy, dir.resolve("mnt"), "", "python3 -c '" + script + "'").strip();
        assertEquals("lookup EUCLEAN\ncreate EROFS", kernel, "the kernel's behaviour this test expects");

        Caller root = Caller.ROOT;
        long rootIno = WritableFileSystem.ROOT_INO;
        try (PosixFileSystem v = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            WritableFileSystem.Created c = v.create(root, rootIno, bytes("before"), 0100644, 022, 01);
            v.write(root, c.attributes().ino(), c.handle(), 0, bytes("kept"), 0, 4);
            v.release(c.attributes().ino(), c.handle());
            v.syncfs();
            Ext4Exception lookup = org.junit.jupiter.api.Assertions.assertThrows(Ext4Exception.class,
                    () -> v.lookup(root, rootIno, bytes("victim")));
            assertEquals(org.ext4j.core.spi.Errno.EUCLEAN, lookup.errno());
            Ext4Exception create = org.junit.jupiter.api.Assertions.assertThrows(Ext4Exception.class,
                    () -> v.create(root, rootIno, bytes("after"), 0100644, 022, 01));
            assertEquals(org.ext4j.core.spi.Errno.EROFS, create.errno(), create.getMessage());
            assertTrue(v.isReadOnly());
        }
        assertEquals("kept", new String(new Debugfs(image).cat("/before"), StandardCharsets.UTF_8));
        assertTrue(Tools.dumpe2fsField(image, "Filesystem state").contains("with errors"));
    }

    /** A fresh image of {@code layout} with a file, a directory and an xattr block, then damaged by debugfs. */
    private static Path damaged(Layout layout, Target target, Via via) throws IOException {
        Path src = dir.resolve("src");
        if (!Files.exists(src)) {
            Files.createDirectories(src.resolve("dir"));
            byte[] data = new byte[20000];
            new java.util.Random(1).nextBytes(data);
            Files.write(src.resolve("victim"), data);
            Files.writeString(src.resolve("dir/inside"), "inside\n");
            Files.writeString(src.resolve("xfile"), "x\n");
            Files.write(dir.resolve("bigvalue"), new byte[700]);
        }
        Path image = dir.resolve(layout + "-" + target + "-" + via + ".img");
        List<String> options = new ArrayList<>(List.of(layout.mkfs));
        options.addAll(List.of("-d", src.toString()));
        ImageFactory.mkfs(image, "32M", options.toArray(String[]::new));
        Debugfs debugfs = new Debugfs(image);
        debugfs.write(List.of("ea_set -f " + dir.resolve("bigvalue") + " /xfile user.big"));
        long block = targetBlock(image, debugfs, target);
        String path = via == Via.FILE_DATA ? "/victim" : via == Via.DIRECTORY ? "/dir" : "/xfile";
        String field = via == Via.XATTR_BLOCK ? "file_acl" : layout.extents() ? "block[5]" : "block[0]";
        debugfs.write(List.of("sif " + path + " " + field + " " + block));
        return image;
    }

    private static final Pattern RANGE = Pattern.compile("at (\\d+)");

    /** The first block of {@code target} in group 0, as dumpe2fs and debugfs report it. */
    private static long targetBlock(Path image, Debugfs debugfs, Target target) {
        if (target == Target.JOURNAL) {
            return debugfs.blocks("<8>").get(3);
        }
        String key = switch (target) {
            case DESCRIPTORS -> "Group descriptors at";
            case BLOCK_BITMAP -> "Block bitmap at";
            case INODE_BITMAP -> "Inode bitmap at";
            default -> "Inode table at";
        };
        for (String line : Tools.runOk(List.of("dumpe2fs", image.toString())).stdout().split("\n")) {
            int at = line.indexOf(key);
            if (at >= 0) {
                Matcher m = RANGE.matcher(line.substring(at + key.length() - 2));
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        throw new AssertionError("dumpe2fs does not say where the " + target + " is");
    }

    /** A python one-liner that runs the workload in the mount's root and prints "ok" or "STEP ERRNO". */
    private static String kernelScript(Via via) {
        String steps = switch (via) {
            case FILE_DATA -> "step(\"lookup\", lambda: os.lstat(\"victim\")); "
                    + "fd = step(\"open\", lambda: os.open(\"victim\", os.O_RDWR)); "
                    + "step(\"write\", lambda: os.pwrite(fd, b\"w\" * 4096, 0)); step(\"fsync\", lambda: os.fsync(fd)); ";
            case DIRECTORY -> "step(\"lookup\", lambda: os.lstat(\"dir\")); "
                    + "fd = step(\"create\", lambda: os.open(\"dir/new\", os.O_CREAT | os.O_WRONLY, 0o644)); "
                    + "step(\"write\", lambda: os.pwrite(fd, b\"n\" * 100, 0)); step(\"fsync\", lambda: os.fsync(fd)); ";
            case XATTR_BLOCK -> "step(\"lookup\", lambda: os.lstat(\"xfile\")); "
                    + "step(\"setxattr\", lambda: os.setxattr(\"xfile\", \"user.big\", b\"v\" * 600)); "
                    + "step(\"sync\", lambda: os.sync()); ";
        };
        return "import os, sys\n"
                + "def step(name, f):\n"
                + "    try:\n"
                + "        return f()\n"
                + "    except OSError as e:\n"
                + "        print(name, __import__(\"errno\").errorcode[e.errno]); sys.exit(0)\n"
                + steps.replace("; ", "\n") + "\nprint(\"ok\")";
    }

    /** The same workload through the core, printing what {@link #kernelScript} prints. */
    private static String ext4jWorkload(Path image, Via via) throws IOException {
        Caller root = Caller.ROOT;
        String step = "open";
        try (PosixFileSystem v = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            long rootIno = WritableFileSystem.ROOT_INO;
            switch (via) {
                case FILE_DATA -> {
                    step = "lookup";
                    Attributes a = v.lookup(root, rootIno, bytes("victim"));
                    step = "open";
                    long h = v.open(root, a.ino(), 02);
                    step = "write";
                    v.write(root, a.ino(), h, 0, new byte[4096], 0, 4096);
                    step = "fsync";
                    v.fsync(a.ino(), h, false);
                    v.release(a.ino(), h);
                }
                case DIRECTORY -> {
                    step = "lookup";
                    Attributes d = v.lookup(root, rootIno, bytes("dir"));
                    step = "create";
                    WritableFileSystem.Created c = v.create(root, d.ino(), bytes("new"), 0100644, 022, 01);
                    step = "write";
                    v.write(root, c.attributes().ino(), c.handle(), 0, new byte[100], 0, 100);
                    step = "fsync";
                    v.fsync(c.attributes().ino(), c.handle(), false);
                    v.release(c.attributes().ino(), c.handle());
                }
                case XATTR_BLOCK -> {
                    step = "lookup";
                    Attributes x = v.lookup(root, rootIno, bytes("xfile"));
                    step = "setxattr";
                    v.setxattr(root, x.ino(), "user.big", new byte[600], 0);
                    step = "sync";
                    v.syncfs();
                }
            }
            return "ok";
        } catch (Ext4Exception e) {
            return step + " " + e.errno().name() + " (" + e.getMessage() + ")";
        }
    }

    /** "ok", or the errno name of "STEP ERRNO ...". */
    private static String errnoOf(String outcome) {
        String[] words = outcome.split(" ");
        return words.length >= 2 ? words[1] : words[0];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
