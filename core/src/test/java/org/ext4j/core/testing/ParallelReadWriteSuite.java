package org.ext4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

// Eight threads at once on one mount, writing, publishing by rename, deleting and reading; the suite each multi-threaded backend runs.
/**
 * Eight threads at once on one ext4j mount: each writes files in its own directory, publishes
 * them into a shared one by rename, deletes some, and reads back what the others published;
 * every read returns a whole file. After unmount (umount(8) from outside) the image is
 * e2fsck-clean and debugfs reads every surviving file as written.
 */
public final class ParallelReadWriteSuite {
    private static final int THREADS = 8;
    private static final int FILES = 40;

    private ParallelReadWriteSuite() {
    }

    /** Runs the suite on a fresh 256 MiB image in {@code workDir}, mounted by {@code backend}. */
    public static void run(ServingMounter backend, Path workDir) throws Exception {
        Path image = ImageFactory.mkfs(workDir.resolve("par.img"), "256M");
        Path mnt = Files.createDirectory(workDir.resolve("mnt"));
        ServingMounter.Served mount = backend.mount(image, mnt);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            Path shared = Files.createDirectory(mnt.resolve("shared"));
            List<Future<Integer>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                work.add(pool.submit(() -> writeAndRead(mnt, shared, thread)));
            }
            int reads = 0;
            for (Future<Integer> w : work) {
                reads += w.get(5, TimeUnit.MINUTES);
            }
            assertTrue(reads > 0, "the readers found nothing to read");
            Tools.runOk(List.of("umount", mnt.toString()));
            mount.awaitEnd();
            mount = null;
        } finally {
            pool.shutdownNow();
            if (mount != null) {
                mount.unmountForSure();
            } else {
                MountTable.unmountForSure(null, mnt);
            }
        }
        ImageFactory.requireClean(image);
        Path dump = Files.createDirectory(workDir.resolve("dump"));
        Tools.runOk(List.of("debugfs", "-R", "rdump /shared " + dump, image.toString()));
        int survivors = 0;
        for (int t = 0; t < THREADS; t++) {
            for (int f = 0; f < FILES; f++) {
                boolean deleted = f % 5 == 2 && f + 2 < FILES;
                Path p = dump.resolve("shared/t" + t + "-f" + f);
                assertEquals(!deleted, Files.exists(p), p.toString());
                if (!deleted) {
                    assertArrayEquals(content(t, f), Files.readAllBytes(p), p.toString());
                    survivors++;
                }
            }
        }
        assertEquals(THREADS * (FILES - FILES / 5), survivors);
    }

    /** One thread's work; returns how many whole files of another thread it read. */
    private static int writeAndRead(Path mnt, Path shared, int thread) throws Exception {
        Path own = Files.createDirectory(mnt.resolve("t" + thread));
        int reads = 0;
        for (int f = 0; f < FILES; f++) {
            Path tmp = own.resolve("f" + f + ".tmp");
            Files.write(tmp, content(thread, f));
            // Published by rename: a reader sees the whole file or none.
            Files.move(tmp, shared.resolve("t" + thread + "-f" + f), StandardCopyOption.ATOMIC_MOVE);
            if (f % 5 == 4) {
                Files.delete(shared.resolve("t" + thread + "-f" + (f - 2)));
            }
            int other = (thread + 1 + f) % THREADS;
            for (int g = 0; g < f; g++) {
                Path p = shared.resolve("t" + other + "-f" + g);
                byte[] got;
                try {
                    got = Files.readAllBytes(p);
                } catch (NoSuchFileException notYetOrDeleted) {
                    continue;
                }
                assertArrayEquals(content(other, g), got, p + " read while others wrote");
                reads++;
            }
        }
        return reads;
    }

    private static byte[] content(int thread, int file) {
        byte[] b = new byte[1 + new Random(thread * 1000L + file).nextInt(200_000)];
        new Random(thread * 7919L + file).nextBytes(b);
        return b;
    }
}
