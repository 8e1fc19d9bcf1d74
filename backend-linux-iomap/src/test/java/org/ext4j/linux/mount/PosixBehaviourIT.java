package org.ext4j.linux.mount;

import java.nio.file.Path;
import org.ext4j.core.testing.Mounter;
import org.ext4j.core.testing.PosixSuite;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ext4j.core.backend.MountOptions;

/**
 * The shared POSIX behaviour suite ({@link PosixSuite}) on the Linux backend, with every feature
 * group on: the kernel's FUSE client passes ACLs, inode flags, fallocate and renameat2 through.
 */
class PosixBehaviourIT {
    private static final Mounter LINUX = PosixBehaviourIT::mount;

    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void ext4jAnswersAsTheKernelDoes() throws Exception {
        PosixSuite.runAgainstKernel(LINUX, temp);
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        PosixSuite.copyTreeDiffsEqual(LINUX, Path.of("..", "core", "src").toAbsolutePath().normalize(), temp);
    }

    /** Mounts through LinuxBackend with allow_other, since the suite runs operations as other users. */
    private static AutoCloseable mount(Path image, Path dir, Mounter.Access access) throws Exception {
        MountOptions options = access == Mounter.Access.READ_ONLY
                ? MountOptions.readOnly(image.toString()) : MountOptions.readWrite(image.toString());
        FuseMount mount;
        try {
            mount = LinuxBackend.mount(image, dir, options.withAllowOther(true));
        } catch (Exception e) {
            // A mount that failed half way may still be attached to the directory.
            try {
                MountTestSupport.unmountForSure(null, dir);
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return () -> MountTestSupport.unmountForSure(mount, dir);
    }
}
