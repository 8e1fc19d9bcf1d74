package org.ext4j.linux.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.testing.ImageFactory;
import org.ext4j.core.testing.ImageFactory.Variant;
import org.ext4j.core.testing.Tools;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A directory removed while a process still has it as its working directory, as on the kernel's
 * ext4: it can still be looked at (no links) and opened, lists nothing, and takes no new
 * entries; the image is clean once the mount ends. The kernel's answers to the same commands on a
 * loop mount of an identical image are the oracle; with uid= too, whose override must pass the
 * kernel's references on to the core.
 */
class RemovedDirectoryIT {
    /** Run in the mount's root; one line per answer, errors by exit status only. */
    private static final String SCRIPT = String.join("\n",
            "mkdir d && cd d && rmdir ../d",
            // Not the size: the kernel's FUSE client keeps the one it cached before the rmdir
            // until its attribute timeout (the core answers 0, as ext4 shows: RemovedDirectoryTest).
            "stat -c 'links %h %F' .",
            "ls -a . >/dev/null 2>&1; echo \"ls $?, $(ls -a . 2>/dev/null | wc -l) names\"",
            "exec 3<.; echo \"open $?\"",
            "touch x 2>/dev/null; echo \"touch $?\"",
            "mkdir y 2>/dev/null; echo \"mkdir $?\"",
            "cd /");

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "uid=1000"})
    void aRemovedWorkingDirectoryAnswersAsOnTheKernel(String option) throws Exception {
        Path kernelImage = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("k")));
        String kernel = Tools.onKernelMount(kernelImage, temp.resolve("kmnt"), "", SCRIPT);
        assertTrue(kernel.startsWith("links 0 directory\n"), "the kernel's answers: " + kernel);

        Path image = ImageFactory.shared().copyOf(Variant.EXT4, Files.createDirectories(temp.resolve("j")));
        Path mnt = Files.createDirectory(temp.resolve("jmnt"));
        MountOptions options = MountOptions.readWrite(image.toString());
        if (!option.isEmpty()) {
            options = options.withOwnerUid(OptionalLong.of(1000));
        }
        FuseMount mount = null;
        String ext4j;
        try {
            mount = LinuxBackend.mount(image, mnt, options);
            ext4j = MountTestSupport.run(List.of("sh", "-c", "cd " + mnt + " && " + SCRIPT));
        } finally {
            MountTestSupport.unmountForSure(mount, mnt);
        }
        assertEquals(kernel, ext4j, "answers on ext4j (" + (option.isEmpty() ? "no options" : option) + ")");
        Tools.runOk(List.of("e2fsck", "-fn", image.toString()));
        assertEquals(Tools.dumpe2fsField(kernelImage, "Free inodes"), Tools.dumpe2fsField(image, "Free inodes"),
                "the removed directory's inode is free again, as on the kernel");
    }
}
