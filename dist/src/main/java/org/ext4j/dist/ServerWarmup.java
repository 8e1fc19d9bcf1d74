package org.ext4j.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.io.MemoryBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.DirectoryEntry;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.TimeChange;
import org.ext4j.core.spi.Timestamp;
import org.ext4j.core.spi.WritableFileSystem;

/**
 * Runs the write path once before the user needs it: a read-write mount server starts this on
 * a thread of its own, beside opening the image and mounting, and it copies in, stats, renames
 * and removes 300 small files in a throwaway image held in memory (8 MiB, made by
 * mkfs.ext4 and shipped in the jar). The JIT then has the core's create, write, unlink and free
 * paths compiled when the first real requests come: on a fresh server the first thousand
 * unlinks of an rm -rf ran three times slower than later ones, interpreted or waiting for the
 * compiler. The user's image is never touched; a failure here only ends the warm-up.
 */
final class ServerWarmup {
    /** 300 files: enough calls of each per-file path for C1 to compile it (it does at about 200). */
    static final int DIRS = 3;
    static final int FILES_PER_DIR = 100;
    private static final String IMAGE = "warmup.img.gz";

    private ServerWarmup() {
    }

    /** Starts the warm-up on a daemon thread; failures are reported to {@code log} in one line. */
    static Thread start(PrintStream log) {
        Thread t = new Thread(() -> {
            try {
                run();
            } catch (IOException | RuntimeException e) {
                log.println("ext4j: the server's warm-up stopped early (" + e + "); nothing of the image is affected");
            }
        }, "ext4j-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** The workload, on a fresh copy of the built-in image; returns how many files it made and removed. */
    static int run() throws IOException {
        return run(new MemoryBlockDevice(image(), false));
    }

    /** The workload on {@code device} (an image like the built-in one); closes the filesystem, which commits everything. */
    static int run(MemoryBlockDevice device) {
        try (PosixFileSystem fs = PosixFileSystem.of(Ext4FileSystem.open(device, OpenOptions.READ_WRITE))) {
            return copyStatRemove(fs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] image() throws IOException {
        try (InputStream in = ServerWarmup.class.getResourceAsStream(IMAGE)) {
            if (in == null) {
                throw new IOException("the built-in image " + IMAGE + " is missing from the jar");
            }
            return new GZIPInputStream(in).readAllBytes();
        }
    }

    /** What cp -a, stat and rm -rf ask of a server, on DIRS directories of FILES_PER_DIR files. */
    private static int copyStatRemove(PosixFileSystem fs) {
        Caller caller = Caller.ROOT;
        byte[] data = new byte[4096 + 512];
        Arrays.fill(data, (byte) 'w');
        long top = fs.mkdir(caller, 2, name("warm"), 0755, 022).ino();
        long[] dirs = new long[DIRS];
        for (int d = 0; d < DIRS; d++) {
            dirs[d] = fs.mkdir(caller, top, name("d" + d), 0755, 022).ino();
            for (int f = 0; f < FILES_PER_DIR; f++) {
                WritableFileSystem.Created c = fs.create(caller, dirs[d], name("f" + f), 0644, 022, WritableFileSystem.O_WRONLY);
                long ino = c.attributes().ino();
                fs.write(caller, ino, c.handle(), 0, data, 0, (f % 2 == 0) ? 512 : data.length);
                fs.setattr(caller, ino, c.handle(), SetAttr.utimens(TimeChange.set(new Timestamp(1_700_000_000L, 0)),
                        TimeChange.set(new Timestamp(1_700_000_000L, 0))).withMode(0640));
                fs.release(ino, c.handle());
            }
            fs.rename(caller, dirs[d], name("f0"), dirs[d], name("g0"), 0);
        }
        fs.syncfs();
        int removed = 0;
        for (int d = 0; d < DIRS; d++) {
            long handle = fs.opendir(caller, dirs[d]);
            long offset = 0;
            List<DirectoryEntry> batch;
            long[] forgotten = new long[FILES_PER_DIR];
            int n = 0;
            while (!(batch = fs.readdir(dirs[d], handle, offset, 64)).isEmpty()) {
                for (DirectoryEntry e : batch) {
                    offset = e.nextOffset();
                    if (e.nameString().equals(".") || e.nameString().equals("..")) {
                        continue;
                    }
                    long ino = fs.lookup(caller, dirs[d], e.name()).ino();
                    fs.retain(ino);
                    fs.getattr(ino);
                    fs.unlink(caller, dirs[d], e.name());
                    forgotten[n++] = ino;
                    removed++;
                }
            }
            fs.releasedir(dirs[d], handle);
            fs.forgetAll(Arrays.copyOf(forgotten, n));
            fs.rmdir(caller, top, name("d" + d));
        }
        fs.rmdir(caller, 2, name("warm"));
        fs.syncfs();
        return removed;
    }

    private static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
