package org.ext4j.winfsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.MountTable;
import org.ext4j.core.testing.Tools;
import org.ext4j.highlevel.HighLevelMount;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Windows user does with a Linux disk: mounts it with the defaults on the first free drive
 * letter ({@code *}), sees every file as their own (uid=-1, gid=-1: the mounting user, here
 * {@link WinFspTestSupport#WINDOWS_UID}), copies a source tree in and out, edits a file that
 * belongs to someone else on the disk, tags a file with an EA, and unmounts. The image is clean,
 * the copies are equal, the edits are there, and on the disk the new files belong to the owner of
 * the directory they were made in, as {@code OwnerOverride} says, read back by the kernel's ext4.
 */
class WindowsCopyIT {
    @TempDir
    Path temp;

    private static List<String> asWindowsUser(String... command) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + WinFspTestSupport.WINDOWS_UID, "--regid="
                + WinFspTestSupport.WINDOWS_GID, "--clear-groups"));
        c.addAll(List.of(command));
        return c;
    }

    @Test
    void copyInEditAndCopyOutAsTheMountingUser() throws Exception {
        Path drives = temp.resolve("drives");
        WinFspHost host = WinFspTestSupport.requireCanMount(drives);
        Tools.require("setpriv");
        Tools.require("setfattr");
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path seed = Files.createDirectory(temp.resolve("seed"));
        Files.createDirectory(seed.resolve("theirs"));
        Files.writeString(seed.resolve("theirs/report.txt"), "draft\n");
        Tools.runOk(List.of("chown", "-R", "1234:1234", seed.resolve("theirs").toString()));
        Path image = temp.resolve("usb.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-L", "USBDISK", "-E", "root_owner=0:0", "-d", seed.toString(),
                image.toString(), "64M"));
        Path source = Path.of("..", "core", "src", "main", "java", "org", "ext4j", "core", "spi").toAbsolutePath()
                .normalize();

        HighLevelMount mount = WinFspTestSupport.mount(image, MountPoint.parse("*"),
                WinFspService.options(image, org.ext4j.core.backend.MountOptions.readWrite(image.toString()), null), host);
        Path z = drives.resolve("Z");
        Path out = temp.resolve("out");
        try {
            assertTrue(MountTable.isMountPoint(z), "* is the first free letter, Z:");
            String shown = Tools.runOk(List.of("stat", "-c", "%u:%g %a", z.toString(), z.resolve("theirs/report.txt")
                    .toString())).stdout();
            assertEquals("1000:1000 755\n1000:1000 644\n", shown, "everything is the Windows user's");
            Tools.runOk(asWindowsUser("cp", "-r", source.toString(), z.resolve("copy").toString()));
            Tools.runOk(asWindowsUser("sh", "-c", "echo final >> " + z.resolve("theirs/report.txt")));
            Tools.runOk(asWindowsUser("cp", z.resolve("theirs/report.txt").toString(), z.resolve("theirs/copy.txt")
                    .toString()));
            Tools.runOk(asWindowsUser("setfattr", "-n", "user.tag", "-v", "reviewed", z.resolve("copy").toString()));
            Tools.runOk(asWindowsUser("mkdir", z.resolve("copy/new").toString()));
            Files.createDirectory(out);
            Tools.runOk(List.of("chown", "1000:1000", out.toString()));
            Tools.runOk(asWindowsUser("cp", "-r", z.resolve("copy").toString(), out.resolve("copy").toString()));
        } finally {
            HighLevelMounts.unmountForSure(mount, z);
        }
        ImageFactory.requireClean(image);
        Tools.runOk(List.of("rmdir", out.resolve("copy/new").toString()));
        Tools.Result diff = Tools.run(List.of("diff", "-r", source.toString(), out.resolve("copy").toString()));
        assertEquals(0, diff.exitCode(), diff.stdout() + diff.stderr());
        String onDisk = Tools.onKernelMount(image, temp.resolve("kernel"), ",ro", "stat -c '%n %u:%g' copy copy/new "
                + "copy/Errno.java theirs/report.txt theirs/copy.txt && cat theirs/report.txt && getfattr -n user.tag "
                + "--only-values copy");
        assertEquals(String.join("\n", "copy 0:0", "copy/new 0:0", "copy/Errno.java 0:0", "theirs/report.txt 1234:1234",
                "theirs/copy.txt 1234:1234", "draft", "final", "reviewed"), onDisk.strip(),
                "new files take their directory's on-disk owner; the edit and the EA are there");
    }
}
