package org.ext4j.core.tx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.alloc.GroupAccounting;
import org.ext4j.core.alloc.InodeAllocator;
import org.ext4j.core.disk.LittleEndian;
import org.ext4j.core.fs.Ext4FileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.inode.Inode;
import org.ext4j.core.io.FileBlockDevice;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.view.DiskView;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Inodes written through a transaction read back with valid checksums, as debugfs sees them. */
class InodeStoreTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-t ext4", "-t ext4 -O ^metadata_csum", "-t ext4 -I 128", "-t ext2"})
    void writtenInodeReadsBackAndMatchesDebugfs(String variant) throws Exception {
        Path img = dir.resolve("i.img");
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(List.of(variant.split(" ")));
        cmd.addAll(List.of(img.toString(), "16M"));
        Tools.run(cmd, java.time.Duration.ofSeconds(60));
        long ino;
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            InodeAllocator inodes = new InodeAllocator(new GroupAccounting(fs));
            try (Transaction tx = tm.begin()) {
                ino = inodes.allocate(tx, 2, false);
                byte[] raw = InodeStore.read(tx, ino).raw();
                LittleEndian.put16(raw, Inode.I_MODE, 0100640);
                LittleEndian.put16(raw, Inode.I_LINKS_COUNT, 1);
                LittleEndian.put16(raw, Inode.I_UID, 1234);
                LittleEndian.put32(raw, Inode.I_MTIME, 1_700_000_000L);
                if (raw.length > 128) {
                    LittleEndian.put16(raw, Inode.I_EXTRA_ISIZE, 32);
                    LittleEndian.put32(raw, Inode.I_MTIME_EXTRA, 123_456_789L << 2);
                }
                InodeStore.write(tx, ino, raw);
                assertEquals(0100640, InodeStore.read(tx, ino).mode(), "the transaction sees its own write");
                assertEquals(0, fs.inode(ino).mode(), "others see the committed inode until commit");
                tx.commit();
            }
            Inode back = fs.inode(ino);
            assertEquals(0100640, back.mode());
            assertEquals(1234, back.uid());
        }
        Debugfs.InodeStat st = new Debugfs(img).stat("<" + ino + ">");
        assertEquals(0640, st.mode() & 07777);
        assertEquals(1234, st.uid());
        assertEquals(1_700_000_000L, st.mtime().getEpochSecond());
        if (!variant.contains("-I 128") && !variant.contains("ext2")) {
            assertEquals(123_456_789, st.mtime().getNano());
        }
        // The inode is allocated but unreferenced: free it again so the image is consistent.
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            TransactionManager tm = fs.transactions();
            try (Transaction tx = tm.begin()) {
                byte[] zero = new byte[fs.superblock().inodeSize()];
                InodeStore.write(tx, ino, zero);
                new InodeAllocator(new GroupAccounting(fs)).free(tx, ino, false);
                tx.commit();
            }
        }
        Tools.Result fsck = Tools.run(List.of("e2fsck", "-fn", img.toString()), java.time.Duration.ofSeconds(60));
        assertEquals(0, fsck.exitCode(), fsck.stdout());
    }

    /**
     * A verified inode is handed out again only for the same bytes: a block whose copy of the
     * record differs (here by one flipped bit, as damage on disk would) is checked afresh and
     * refused, and a changed inode reads as changed.
     */
    @Test
    void aVerifiedInodeIsReusedOnlyForTheSameBytes() throws Exception {
        Path img = dir.resolve("m.img");
        Tools.run(List.of("mkfs.ext4", "-q", "-F", img.toString(), "16M"), java.time.Duration.ofSeconds(60));
        try (Ext4FileSystem fs = Ext4FileSystem.open(FileBlockDevice.open(img, false), OpenOptions.READ_WRITE)) {
            Inode root = fs.inode(Inode.ROOT_INO);
            assertSame(root, fs.inode(Inode.ROOT_INO), "the same bytes need no second check");
            DiskView.InodeLocation at = fs.inodeLocation(Inode.ROOT_INO, fs.blockCache());
            byte[] damaged = fs.readBlock(at.block());
            damaged[at.offset() + Inode.I_UID] ^= 1;
            CorruptionException e = assertThrows(CorruptionException.class,
                    () -> fs.inode(Inode.ROOT_INO, pblk -> pblk == at.block() ? damaged : fs.blockCache().readShared(pblk)));
            assertEquals(CorruptionException.Structure.INODE, e.structure());
            try (Transaction tx = fs.transactions().begin()) {
                byte[] raw = InodeStore.read(tx, Inode.ROOT_INO).raw();
                LittleEndian.put16(raw, Inode.I_UID, 4321);
                InodeStore.write(tx, Inode.ROOT_INO, raw);
                tx.commit();
            }
            Inode changed = fs.inode(Inode.ROOT_INO);
            assertNotSame(root, changed);
            assertEquals(4321, changed.uid());
        }
    }
}
