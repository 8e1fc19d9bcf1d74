package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.FsckReport;
import org.ext4j.core.testing.ImageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unlinked files whose last reference goes from several threads at once, as a FUSE server sees
 * it: one thread closes the last handle while another forgets the last lookup, and others unlink,
 * open and close other files meanwhile. Each orphan must be freed exactly once and taken off the
 * orphan list once; afterwards the image is e2fsck-clean with every inode and block given back.
 */
class ConcurrentOrphansTest {
    private static final int THREADS = 6;
    private static final int ROUNDS = 150;

    @TempDir
    Path dir;

    @Test
    void theLastReferenceGoingFromTwoThreadsFreesAnOrphanOnce() throws Exception {
        Path image = ImageFactory.mkfs(dir.resolve("orphans.img"), "64M", "-O", "^orphan_file");
        long freeInodes = Long.parseLong(org.ext4j.core.testing.Tools.dumpe2fsField(image, "Free inodes"));
        Caller root = Caller.ROOT;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS * 2);
        try (PosixFileSystem v = PosixFileSystem.open(image, OpenOptions.READ_WRITE)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    for (int r = 0; r < ROUNDS; r++) {
                        byte[] name = ("t" + thread + "-" + r).getBytes(StandardCharsets.UTF_8);
                        WritableFileSystem.Created c = v.create(root, WritableFileSystem.ROOT_INO, name, 0100644, 022, 02);
                        long ino = c.attributes().ino();
                        v.write(root, ino, c.handle(), 0, new byte[5000], 0, 5000);
                        v.retain(ino);
                        v.unlink(root, WritableFileSystem.ROOT_INO, name);
                        CyclicBarrier both = new CyclicBarrier(2);
                        Future<?> closer = pool.submit(() -> {
                            both.await();
                            v.release(ino, c.handle());
                            return null;
                        });
                        both.await();
                        v.forget(ino);
                        closer.get(1, TimeUnit.MINUTES);
                    }
                    return null;
                }));
            }
            for (Future<?> w : work) {
                w.get(5, TimeUnit.MINUTES);
            }
            assertEquals(0, v.fileSystem().errors().count(), "no corruption was found along the way");
        } finally {
            pool.shutdownNow();
        }
        FsckReport fsck = FsckReport.of(image);
        assertEquals(0, fsck.exitCode(), fsck.output());
        assertEquals(freeInodes, Long.parseLong(org.ext4j.core.testing.Tools.dumpe2fsField(image, "Free inodes")),
                "every orphan was freed");
    }
}
