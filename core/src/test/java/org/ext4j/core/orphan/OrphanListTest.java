package org.ext4j.core.orphan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Random;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.OrphanRecords;
import org.ext4j.core.tx.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classic list under adds and removals in any order: after each round the chain that
 * dumpe2fs and debugfs read is the kernel's (newest first, each i_dtime naming the next), also
 * when transactions that added or removed are aborted (what the list remembers of the chain must
 * go with them), and when a second list over the same filesystem changed the chain behind the
 * first one's back (what it remembers is checked, not trusted).
 */
class OrphanListTest {
    @TempDir
    Path dir;

    @Test
    void theChainStaysTheKernelsUnderRandomAddsRemovalsAndAborts() throws Exception {
        Path img = ImageFactory.mkfs(dir.resolve("list.img"), "32M", "-b", "4096", "-N", "2048");
        Random random = new Random(42);
        List<Long> files = new ArrayList<>();
        LinkedList<Long> expected = new LinkedList<>();
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            PosixFileSystem volume = PosixFileSystem.of(fs);
            for (int i = 0; i < 80; i++) {
                WritableFileSystem.Created c = volume.create(Caller.ROOT, InodeFileSystem.ROOT_INO, ("f" + i).getBytes(),
                        0644, WritableFileSystem.O_RDWR | WritableFileSystem.O_EXCL);
                volume.release(c.attributes().ino(), c.handle());
                files.add(c.attributes().ino());
            }
            OrphanList list = new OrphanList(fs);
            OrphanList other = new OrphanList(fs);
            for (int round = 0; round < 12; round++) {
                for (int step = 0; step < 40; step++) {
                    int what = random.nextInt(10);
                    boolean abort = random.nextInt(6) == 0;
                    OrphanList by = what == 9 ? other : list;
                    try (Transaction tx = fs.transactions().begin()) {
                        if (expected.isEmpty() || what < 5 && expected.size() < files.size()) {
                            long ino = pick(random, files, expected, false);
                            by.add(tx, ino);
                            if (!abort) {
                                expected.addFirst(ino);
                            }
                        } else {
                            long ino = pick(random, files, expected, true);
                            by.remove(tx, ino);
                            if (!abort) {
                                expected.remove(ino);
                            }
                        }
                        if (abort) {
                            tx.abort();
                        } else {
                            tx.commit();
                        }
                    }
                }
                fs.transactions().checkpoint();
                assertEquals(expected, OrphanRecords.chain(img, files), "round " + round);
            }
            while (!expected.isEmpty()) {
                try (Transaction tx = fs.transactions().begin()) {
                    list.remove(tx, expected.remove(random.nextInt(expected.size())));
                    tx.commit();
                }
            }
            fs.transactions().checkpoint();
            assertEquals(List.of(), OrphanRecords.chain(img, files));
        }
        ImageFactory.requireClean(img);
    }

    /** A random inode of {@code files} that is on the chain ({@code onChain}) or not. */
    private static long pick(Random random, List<Long> files, List<Long> chain, boolean onChain) {
        List<Long> candidates = onChain ? chain : files.stream().filter(f -> !chain.contains(f)).toList();
        return candidates.get(random.nextInt(candidates.size()));
    }
}
