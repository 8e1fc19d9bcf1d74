package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.MountOptionParser;

/**
 * Mount options that act on a live mount, on an ext4j mount and on a kernel loop mount of
 * identical images: {@code remount,ro} (refused while a file is open for writing; then writes
 * answer EROFS and the image, still mounted, passes e2fsck -fn and shows what was written) and
 * {@code remount,rw}, as mount(8) sends them (the kernel's ext4 through mount(8), ext4j through
 * what its mount helper does); and {@code nodiratime}.
 */
class RemountParityIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    /** How a side is remounted. */
    private interface Remount {
        void remount(Path mnt, String options) throws Exception;
    }

    @Test
    void remountReadOnlyCommitsAndReadWriteResumesAsOnTheKernel() throws Exception {
        Path kernelImage = mkfs("kernel.img");
        Path kernelMnt = Files.createDirectory(temp.resolve("kernel"));
        List<String> kernel;
        Tools.run(List.of("mount", "-o", "loop", kernelImage.toString(), kernelMnt.toString())).requireExit(0);
        try {
            kernel = scenario(kernelImage, kernelMnt,
                    (mnt, options) -> Tools.run(List.of("mount", "-o", options, mnt.toString())).requireExit(0));
        } finally {
            Tools.run(List.of("umount", kernelMnt.toString())).requireExit(0);
        }

        Path ext4jImage = mkfs("ext4j.img");
        Path ext4jMnt = Files.createDirectory(temp.resolve("ext4j"));
        FuseMount mount = LinuxBackend.mount(ext4jImage, ext4jMnt, MountOptions.readWrite(ext4jImage.toString()));
        List<String> ext4j;
        try {
            ext4j = scenario(ext4jImage, ext4jMnt, (mnt, options) -> RemountControl.request(mnt, List.of(options)));
        } finally {
            MountTestSupport.unmountForSure(mount, ext4jMnt);
        }
        assertEquals(kernel, ext4j);
        assertTrue(kernel.contains("write after remount,ro: Read-only file system"), kernel.toString());
        for (Path image : List.of(kernelImage, ext4jImage)) {
            ImageFactory.requireClean(image);
            assertTrue(Tools.run(List.of("debugfs", "-R", "ls /", image.toString())).stdout().contains("after"));
        }
    }

    @Test
    void nodiratimeKeepsDirectoryAtimesAsOnTheKernel() throws Exception {
        String steps = "mkdir d && touch d/x && echo data > f && touch -a -d @1000000000 d f"
                + " && ls d > /dev/null && cat f > /dev/null && stat -c '%n %X' d f";
        Path kernelImage = mkfs("kernel.img");
        String kernel = Tools.onKernelMount(kernelImage, temp.resolve("kernel"), ",nodiratime", steps);

        Path ext4jImage = mkfs("ext4j.img");
        Path ext4jMnt = Files.createDirectory(temp.resolve("ext4j"));
        MountOptions options = MountOptionParser.parse(MountOptions.readWrite(ext4jImage.toString()), List.of("nodiratime"));
        FuseMount mount = LinuxBackend.mount(ext4jImage, ext4jMnt, options);
        String ext4j;
        try {
            assertTrue(mountOptions(ext4jMnt).contains("nodiratime"), mountOptions(ext4jMnt));
            ext4j = Tools.run(List.of("sh", "-c", "cd " + ext4jMnt + " && " + steps)).requireExit(0).stdout();
        } finally {
            MountTestSupport.unmountForSure(mount, ext4jMnt);
        }
        assertEquals(kept(kernel), kept(ext4j));
        assertEquals("d kept\nf moved\n", kept(kernel), "the oracle kept the directory's atime only");
        ImageFactory.requireClean(ext4jImage);
    }

    /** The same steps on either side; each line what happened, in words both sides share. */
    private static List<String> scenario(Path image, Path mnt, Remount side) throws Exception {
        List<String> t = new ArrayList<>();
        Files.writeString(mnt.resolve("before"), "written before the remount\n");
        try (FileChannel open = FileChannel.open(mnt.resolve("open"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            t.add("remount,ro with a file open for writing: " + outcome(() -> side.remount(mnt, "remount,ro")));
        }
        t.add("remount,ro: " + outcome(() -> side.remount(mnt, "remount,ro")));
        t.add("mounted ro: " + mountOptions(mnt).startsWith("ro,"));
        t.add("write after remount,ro: " + outcome(() -> Files.writeString(mnt.resolve("refused"), "x")));
        t.add("mkdir after remount,ro: " + outcome(() -> Files.createDirectory(mnt.resolve("refused-dir"))));
        // Still mounted: what was written is on the image, and nothing needs a journal replay.
        t.add("e2fsck -fn while mounted read-only: exit " + Tools.run(List.of("e2fsck", "-fn", image.toString())).exitCode());
        t.add("debugfs cat /before: " + Tools.run(List.of("debugfs", "-R", "cat /before", image.toString())).stdout().strip());
        t.add("remount,rw: " + outcome(() -> side.remount(mnt, "remount,rw")));
        t.add("mounted rw: " + mountOptions(mnt).startsWith("rw,"));
        t.add("write after remount,rw: " + outcome(() -> Files.writeString(mnt.resolve("after"), "x")));
        t.add("read back: " + Files.readString(mnt.resolve("after")));
        return t;
    }

    private interface Step {
        void run() throws Exception;
    }

    /** "ok", the reason of a refused file operation, or "refused" for a refused remount. */
    private static String outcome(Step step) {
        try {
            step.run();
            return "ok";
        } catch (FileSystemException e) {
            return e.getReason();
        } catch (Exception | AssertionError e) {
            return "refused";
        }
    }

    private Path mkfs(String name) {
        Path image = temp.resolve(name);
        Tools.run(List.of("mkfs.ext4", "-q", "-F", image.toString(), "16M")).requireExit(0);
        return image;
    }

    /** The mount's options as /proc/self/mounts shows them. */
    private static String mountOptions(Path mnt) throws Exception {
        String target = mnt.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f[1].equals(target)) {
                return f[3];
            }
        }
        return "(not mounted)";
    }

    /** "name kept" when the atime is still the one set (1000000000), else "name moved". */
    private static String kept(String stat) {
        StringBuilder sb = new StringBuilder();
        for (String line : stat.strip().split("\n")) {
            String[] f = line.split(" ");
            sb.append(f[0]).append(f[1].equals("1000000000") ? " kept" : " moved").append('\n');
        }
        return sb.toString();
    }
}
