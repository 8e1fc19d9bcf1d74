package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which reads update access times, against the kernel's ext4 on identical images in its
 * relatime (default), strictatime and noatime modes, each also with nodiratime: files and directories whose atime, mtime
 * and ctime debugfs set around the rules' edges (older than mtime, than ctime, a day old, none
 * of these), a symbolic link, a NOATIME-flagged file and a read through an O_NOATIME handle.
 * Each side reports, per name, whether the atime moved; the images pass e2fsck -fn.
 */
class AtimeParityTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;
    private static final long HOUR = 3600;
    private static final long DAY = 24 * HOUR;
    /** Names read plainly: regular files a-e, directories D and E, symlink s, NOATIME-flagged n. */
    private static final String[] FILES = {"a", "b", "c", "e", "n"};
    private static final String[] DIRS = {"D", "E"};
    private static final String[] ALL = {"a", "b", "c", "e", "n", "o", "s", "D", "E"};

    @TempDir
    Path dir;

    private long now;

    /** The starting image: contents made by the kernel, times set by debugfs relative to now. */
    private Path base() throws Exception {
        Path img = dir.resolve("base.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "1024", img.toString(), "32M"));
        onKernel(img, "", String.join(" && ",
                "for x in a b c e n o; do echo data > $x; done && mkdir D E && touch D/x E/y",
                "ln -s " + "t".repeat(80) + " s && chattr +A n"));
        now = java.time.Instant.now().getEpochSecond();
        List<String> sets = new ArrayList<>();
        times(sets, "a", now - 2 * DAY, now - 3 * DAY, now - 3 * DAY); // a day old: relatime updates
        times(sets, "b", now - HOUR, now - 2 * HOUR, now - 2 * HOUR);  // newer than both: kept
        times(sets, "c", now - HOUR, now - HOUR / 2, now - 2 * HOUR);  // older than mtime: updated
        times(sets, "e", now - HOUR, now - 2 * HOUR, now - HOUR / 2);  // older than ctime: updated
        times(sets, "n", now - 2 * DAY, now - 3 * DAY, now - 3 * DAY); // NOATIME_FL: kept
        times(sets, "o", now - 2 * DAY, now - 3 * DAY, now - 3 * DAY); // O_NOATIME read: kept
        times(sets, "s", now - 2 * DAY, now - 3 * DAY, now - 3 * DAY);
        times(sets, "D", now - HOUR, now - 2 * HOUR, now - 2 * HOUR);
        times(sets, "E", now - 2 * DAY, now - 3 * DAY, now - 3 * DAY);
        Path cmds = dir.resolve("times.debugfs");
        Files.write(cmds, sets);
        Tools.runOk(List.of("debugfs", "-w", "-f", cmds.toString(), img.toString()));
        ImageFactory.requireClean(img);
        return img;
    }

    private static void times(List<String> out, String name, long atime, long mtime, long ctime) {
        out.add("sif " + name + " atime @" + atime);
        out.add("sif " + name + " mtime @" + mtime);
        out.add("sif " + name + " ctime @" + ctime);
    }

    /** Runs {@code shell} in the root of a loop mount of {@code img} with extra mount options; returns stdout. */
    private String onKernel(Path img, String options, String shell) {
        return Tools.onKernelMount(img, dir.resolve("mnt"), options, shell);
    }

    @Test
    void relatimeStrictatimeNoatimeAndNodiratimeMoveTheSameAccessTimesAsTheKernel() throws Exception {
        Path base = base();
        String reads = "cat " + String.join(" ", FILES) + " > /dev/null && ls " + String.join(" ", DIRS) + " > /dev/null"
                + " && readlink s > /dev/null"
                + " && /usr/bin/python3 -c \"import os; fd = os.open('o', os.O_RDONLY | os.O_NOATIME); os.read(fd, 100)\"";
        String report = "stat -c '%n %X' " + String.join(" ", ALL);
        for (AtimeMode mode : AtimeMode.values()) {
          for (boolean noDirAtime : new boolean[] {false, true}) {
            String name = mode + (noDirAtime ? "-nodiratime" : "");
            Path kernel = Files.copy(base, dir.resolve("kernel-" + name + ".img"));
            Path ext4j = Files.copy(base, dir.resolve("ext4j-" + name + ".img"));
            onKernel(kernel, "," + mode.name().toLowerCase(java.util.Locale.ROOT) + (noDirAtime ? ",nodiratime" : ""), reads);
            String original = onKernel(base, ",ro", report);
            String expected = moved(original, onKernel(kernel, ",ro", report));

            OpenOptions options = OpenOptions.READ_WRITE.withAtimeMode(mode).withNoDirAtime(noDirAtime);
            try (PosixFileSystem vol = PosixFileSystem.of(Ext4FileSystem.open(FileBlockDevice.open(ext4j, false), options))) {
                for (String f : FILES) {
                    read(vol, f, 0);
                }
                for (String d : DIRS) {
                    long ino = ino(vol, d);
                    long handle = vol.opendir(Caller.ROOT, ino);
                    vol.readdir(ino, handle, 0, 100);
                    vol.releasedir(ino, handle);
                }
                vol.readlink(ino(vol, "s"));
                read(vol, "o", O_NOATIME);
            }
            ImageFactory.requireClean(ext4j);
            String actual = moved(original, onKernel(ext4j, ",ro", report));
            assertEquals(expected, actual, name);
            // The oracle moved some and kept some atimes in every mode but noatime.
            assertTrue(mode == AtimeMode.NOATIME ? !expected.contains("moved") : expected.contains("moved") && expected.contains("kept"),
                    name + ": " + expected);
          }
        }
    }

    private static final int O_NOATIME = 01000000;

    private static void read(PosixFileSystem vol, String name, int extraFlags) {
        long ino = ino(vol, name);
        long handle = vol.open(Caller.ROOT, ino, InodeFileSystem.O_RDONLY | extraFlags);
        vol.read(ino, handle, 0, new byte[100], 0, 100);
        vol.release(ino, handle);
    }

    /** "name moved" or "name kept" per line of two "name atime" reports. */
    private static String moved(String before, String after) {
        String[] b = before.split("\n");
        String[] a = after.split("\n");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            String name = b[i].split(" ")[0];
            sb.append(name).append(b[i].equals(a[i]) ? " kept" : " moved").append('\n');
        }
        return sb.toString();
    }

    private static long ino(PosixFileSystem vol, String name) {
        return vol.lookup(Caller.ROOT, ROOT, name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).ino();
    }
}
