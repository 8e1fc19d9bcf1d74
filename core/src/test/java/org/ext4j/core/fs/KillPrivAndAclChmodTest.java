package org.ext4j.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.ext4j.core.spi.Caller;
import org.ext4j.core.spi.InodeFileSystem;
import org.ext4j.core.spi.SetAttr;
import org.ext4j.core.spi.WritableFileSystem;
import org.ext4j.core.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What chmod, chown, write and truncate change beside the inode, against the kernel on an
 * identical image: chmod rewrites a POSIX access ACL (posix_acl_chmod), and chown, write and
 * truncate drop security.capability (killpriv). Both images are then read by the same kernel
 * (getfacl -n, getcap, stat) and the outputs must be equal; both must pass e2fsck -fn.
 */
class KillPrivAndAclChmodTest {
    private static final long ROOT = InodeFileSystem.ROOT_INO;

    @TempDir
    Path dir;

    /** The starting image: ACLs and file capabilities set by the kernel itself. */
    private Path base() {
        Path img = dir.resolve("base.img");
        Tools.runOk(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "1024", img.toString(), "32M"));
        onKernel(img, String.join(" && ",
                "echo data > f && echo data > g && echo data > h && echo data > w && echo data > t && mkdir d",
                "setfacl -m u:1000:rwx,g:2000:r-x,m::rwx f",
                "setfacl -m u:1000:rw g",
                "setfacl -m u:1000:rwx -m d:u:1000:r-x d",
                "chmod 4755 h && setcap cap_net_raw+ep h && setcap cap_net_raw+ep w && setcap cap_net_raw+ep t"));
        return img;
    }

    /** Runs {@code shell} in the root of a loop mount of {@code img}, unmounting afterwards; returns stdout. */
    private String onKernel(Path img, String shell) {
        return Tools.onKernelMount(img, dir.resolve("mnt"), "", shell);
    }

    private static final String REPORT = "for x in f g h w t d; do getfacl -n $x; getcap $x; echo; stat -c '%n %a %u:%g %s' $x; done";

    @Test
    void chmodChownWriteAndTruncateChangeAclsAndCapabilitiesAsTheKernelDoes() throws Exception {
        Path base = base();
        Path kernel = Files.copy(base, dir.resolve("kernel.img"));
        Path ext4j = Files.copy(base, dir.resolve("ext4j.img"));
        onKernel(kernel, String.join(" && ", "chmod 0640 f", "chmod 0705 g", "chmod 0750 d",
                "chown 1000:1000 h", "printf more >> w", "truncate -s 2 t"));

        try (PosixFileSystem vol = PosixFileSystem.open(ext4j, OpenOptions.READ_WRITE)) {
            vol.setattr(Caller.ROOT, ino(vol, "f"), -1, SetAttr.chmod(0640));
            vol.setattr(Caller.ROOT, ino(vol, "g"), -1, SetAttr.chmod(0705));
            vol.setattr(Caller.ROOT, ino(vol, "d"), -1, SetAttr.chmod(0750));
            vol.setattr(Caller.ROOT, ino(vol, "h"), -1, SetAttr.chown(1000, 1000));
            long w = ino(vol, "w");
            long handle = vol.open(Caller.ROOT, w, WritableFileSystem.O_WRONLY | WritableFileSystem.O_APPEND);
            vol.write(Caller.ROOT, w, handle, 0, "more".getBytes(), 0, 4);
            vol.release(w, handle);
            vol.setattr(Caller.ROOT, ino(vol, "t"), -1, SetAttr.truncate(2));
        }
        Tools.run(List.of("e2fsck", "-fn", ext4j.toString()), Duration.ofSeconds(60)).requireExit(0);
        Tools.run(List.of("e2fsck", "-fn", kernel.toString()), Duration.ofSeconds(60)).requireExit(0);
        String expected = onKernel(kernel, REPORT);
        String actual = onKernel(ext4j, REPORT);
        assertEquals(expected, actual);
        List<String> changed = new ArrayList<>(List.of(expected.split("\n")));
        // The oracle did change something: the named entries of f survive and its mask follows the group bits.
        assertEquals(true, changed.contains("mask::r--"), expected);
    }

    private static long ino(PosixFileSystem vol, String name) {
        return vol.lookup(Caller.ROOT, ROOT, name.getBytes()).ino();
    }
}
