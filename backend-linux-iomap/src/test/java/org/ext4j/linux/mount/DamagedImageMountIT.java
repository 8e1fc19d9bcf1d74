package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.testing.Debugfs;
import org.ext4j.core.testing.FsckReport;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file whose extent names the inode table, seen through a read-write FUSE mount and through the
 * kernel's own ext4 on a loop mount of the same image: the same errno for the same shell commands
 * (the kernel refuses the lookup with EUCLEAN), nothing written through the pointer, and the error
 * recorded in the superblock.
 */
class DamagedImageMountIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void aFileThatPointsIntoTheInodeTableIsRefusedAsTheKernelRefusesIt() throws Exception {
        Path src = Files.createDirectory(temp.resolve("src"));
        byte[] data = new byte[20000];
        new java.util.Random(3).nextBytes(data); // zeros would become a hole, with no extent to damage
        Files.write(src.resolve("victim"), data);
        Files.writeString(src.resolve("other"), "other\n");
        Path image = temp.resolve("damaged.img");
        MountTestSupport.run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src.toString(), image.toString(), "32M"));
        String table = Tools.runOk(List.of("dumpe2fs", image.toString())).stdout().replaceAll("(?s).*?Inode table at (\\d+)-.*", "$1");
        new Debugfs(image).write(List.of("sif /victim block[5] " + table));
        FsckReport before = FsckReport.of(image);

        String shell = "stat victim >/dev/null 2>&1; echo stat=$?; "
                + "dd if=/dev/zero of=victim bs=4096 count=1 conv=notrunc,fsync 2>&1 | grep -o 'Structure needs cleaning' | head -1; "
                + "cat other";
        Path kernelImage = temp.resolve("kernel.img");
        Files.copy(image, kernelImage, StandardCopyOption.REPLACE_EXISTING);
        String kernel = Tools.onKernelMount(kernelImage, temp.resolve("kmnt"), "", shell);

        Path mnt = Files.createDirectory(temp.resolve("mnt"));
        FuseMount mount = null;
        String ours;
        try {
            mount = LinuxBackend.mount(image, mnt, MountOptions.readWrite(image.toString()));
            ours = MountTestSupport.run(List.of("sh", "-c", "cd " + mnt + " && " + shell));
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        assertEquals(kernel, ours, "the same answers as the kernel's ext4");
        assertTrue(ours.contains("Structure needs cleaning"), ours);
        String worse = FsckReport.of(image).worseThan(before);
        assertEquals(null, worse, "the write went through the damage");
        assertTrue(Tools.dumpe2fsField(image, "Filesystem state").contains("with errors"));
        assertEquals("ext4_inode_block_valid", Tools.dumpe2fsField(image, "First error function"));
    }
}
