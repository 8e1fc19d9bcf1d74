package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * Eight threads at once on one ext4j mount: each writes its own files in a shared directory and in
 * its own, appends, renames and deletes, while reading back what the others finished. Every read of
 * a finished file must return its whole content; after unmount the image is e2fsck-clean and
 * debugfs reads every surviving file as written.
 */
class ParallelReadWriteIT {
    private static final int THREADS = 8;
    private static final int FILES = 40;

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    private static byte[] content(int thread, int file) {
        byte[] b = new byte[1 + new Random(thread * 1000L + file).nextInt(200_000)];
        new Random(thread * 7919L + file).nextBytes(b);
        return b;
    }

    @Test
    void concurrentWritersAndReadersSeeWholeFilesAndLeaveACleanImage() throws Exception {
        Path image = temp.resolve("par.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "256M"));
        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        FuseMount mount = LinuxBackend.mount(image, mnt, LinuxMountOptions.of(MountOptions.readWrite(image.toString())).withReaderThreads(4));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            Path shared = Files.createDirectory(mnt.resolve("shared"));
            List<Future<Integer>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    Path own = Files.createDirectory(mnt.resolve("t" + thread));
                    int reads = 0;
                    for (int f = 0; f < FILES; f++) {
                        byte[] data = content(thread, f);
                        Path tmp = own.resolve("f" + f + ".tmp");
                        Files.write(tmp, data);
                        // Published by rename: a reader sees the whole file or none.
                        Files.move(tmp, shared.resolve("t" + thread + "-f" + f), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        if (f % 5 == 4) {
                            Files.delete(shared.resolve("t" + thread + "-f" + (f - 2)));
                        }
                        int other = (thread + 1 + f) % THREADS;
                        for (int g = 0; g < f; g++) {
                            Path p = shared.resolve("t" + other + "-f" + g);
                            byte[] got;
                            try {
                                got = Files.readAllBytes(p);
                            } catch (java.nio.file.NoSuchFileException notYetOrDeleted) {
                                continue;
                            }
                            assertArrayEquals(content(other, g), got, p + " read while others wrote");
                            reads++;
                        }
                    }
                    return reads;
                }));
            }
            int reads = 0;
            for (Future<Integer> w : work) {
                reads += w.get(5, TimeUnit.MINUTES);
            }
            org.junit.jupiter.api.Assertions.assertTrue(reads > 0, "the readers found nothing to read");
            MountTestSupport.run(List.of("umount", mnt.toString()));
            mount.waitUntilUnmounted();
            mount = null;
        } finally {
            pool.shutdownNow();
            MountTestSupport.unmountForSure(mount, mnt);
        }
        MountTestSupport.run(List.of("e2fsck", "-fn", image.toString()));
        Path dump = Files.createDirectory(temp.resolve("dump"));
        MountTestSupport.run(List.of("debugfs", "-R", "rdump /shared " + dump, image.toString()));
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
}
