package org.ext4j.macfuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.ext4j.core.testing.PosixFeature;
import org.ext4j.core.testing.PosixSuite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared POSIX behaviour suite ({@link PosixSuite}) through backend-macfuse, macFUSE's ABI
 * (the shim) and Linux libfuse3, in the kernel extension's mode with the on-disk owners, against
 * the Linux kernel's ext4. The groups macOS cannot express are switched off, each for a reason:
 * <ul>
 * <li>FALLOCATE: macOS has no fallocate(2) modes (no punching or zeroing); the backend leaves
 *     macFUSE's fallocate slot empty;</li>
 * <li>XATTRS and ACLS: macOS has one xattr namespace, mapped to user.*; trusted.* and the
 *     system.posix_acl_* attributes cannot be named from a Mac (user.* attributes are tested by
 *     {@link FinderCopyIT});</li>
 * <li>INODE_FLAGS: chflags(2) carries only immutable, append-only and nodump, not the other
 *     ext4 flags nor FS_IOC_FSSETXATTR (chflags is tested by {@link FinderCopyIT});</li>
 * <li>SPECIAL_FILES: a macOS dev_t has an 8-bit major and a 24-bit minor, too small for the
 *     suite's device 300:70000;</li>
 * <li>FILE_HANDLES: name_to_handle_at is Linux's; macOS has no such call for a FUSE volume.</li>
 * </ul>
 */
class PosixBehaviourIT {
    static final Set<PosixFeature> MACOS = EnumSet.of(PosixFeature.SEEK_HOLE, PosixFeature.COPY_FILE_RANGE,
            PosixFeature.RENAME_FLAGS, PosixFeature.OTHER_USERS, PosixFeature.HARD_LINKS);

    @TempDir
    Path temp;
    private Path volumes;

    @BeforeEach
    void canMount() throws Exception {
        volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
    }

    @Test
    void ext4jThroughMacFusesAbiAnswersAsTheKernelDoes() throws Exception {
        PosixSuite.runAgainstKernel(MacFuseTestSupport.mounter(volumes), MACOS,
                Files.createDirectory(temp.resolve("suite")));
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        PosixSuite.copyTreeDiffsEqual(MacFuseTestSupport.mounter(volumes),
                Path.of("..", "core", "src").toAbsolutePath().normalize(), Files.createDirectory(temp.resolve("copy")));
    }
}
