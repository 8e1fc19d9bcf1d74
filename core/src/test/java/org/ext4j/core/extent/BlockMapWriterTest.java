package org.ext4j.core.extent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.tx.InodeStore;
import org.ext4j.core.tx.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BlockMapWriter on its own: allocations and frees judged by debugfs "ex", stat and e2fsck. */
class BlockMapWriterTest {
    @TempDir
    Path dir;

    private static void setSize(Transaction tx, long ino, long size) {
        byte[] raw = InodeStore.read(tx, ino).raw();
        LittleEndian.put32(raw, Inode.I_SIZE_LO, size);
        LittleEndian.put32(raw, Inode.I_SIZE_HIGH, size >>> 32);
        InodeStore.write(tx, ino, raw);
    }

    @Test
    void allocateFillsHolesAndMergesWithThePreviousExtent() throws Exception {
        try (WriteFixture f = WriteFixture.create(dir, "32M", "-t ext4", Map.of("empty", new byte[0]))) {
            long ino = f.ino("empty");
            List<Mapping> got = new ArrayList<>();
            try (Transaction tx = f.tm.begin()) {
                BlockMapWriter w = BlockMapWriter.of(tx, ino, f.allocator, false);
                got.addAll(w.allocate(0, 10, false));
                got.addAll(w.allocate(10, 20, false));
                got.addAll(w.allocate(5, 30, false));
                setSize(tx, ino, 35L * f.fs.blockSize());
                tx.commit();
            }
            f.close();
            f.assertClean();
            List<Mapping> ex = f.debugfsExtents("empty");
            assertEquals(1, ex.size(), ex.toString());
            assertEquals(new Mapping(0, got.get(0).pblk(), 35, Mapping.Kind.MAPPED), ex.get(0));
            assertEquals(35L * f.fs.blockSize() / 512, f.blockCount("empty"));
        }
    }
}
