package org.ext4j.winfsp;

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
 * The shared POSIX behaviour suite ({@link PosixSuite}) through backend-winfsp, WinFsp's ABI (the
 * shim) and Linux libfuse3, with the on-disk owners, against the Linux kernel's ext4, mounted on
 * a directory WinFsp makes. The groups WinFsp's FUSE layer cannot express are switched off, each
 * for its reason:
 * <ul>
 * <li>HARD_LINKS: WinFsp's FUSE layer has no link (its header marks the slot unsupported), so a
 *     Windows hard link is never created; links that exist are read like any file;</li>
 * <li>FALLOCATE: WinFsp never calls fallocate (allocation sizes are set with truncate);</li>
 * <li>SEEK_HOLE: WinFsp's table has no lseek slot;</li>
 * <li>RENAME_FLAGS: Windows renames with ReplaceIfExists only; WinFsp passes flags 0;</li>
 * <li>SPECIAL_FILES: Windows creates neither FIFOs nor device nodes;</li>
 * <li>OTHER_USERS: Windows decides access itself from a security descriptor WinFsp makes of the
 *     owner and mode, and then WinFsp opens for execution as a read (it passes the read and write
 *     access bits only) and sets times only explicitly (Windows has no UTIME_NOW), so the Linux
 *     multi-user rules the group checks have no counterpart;</li>
 * <li>XATTRS and ACLS: Windows EAs have one namespace, mapped to user.*, and are set without
 *     create/replace flags; trusted.* and the system.posix_acl_* attributes cannot be named from
 *     Windows (user.* EAs are tested by {@link WindowsCopyIT});</li>
 * <li>INODE_FLAGS: Windows has no chattr, and WinFsp's ioctl carries DeviceIoControl codes;</li>
 * <li>FILE_HANDLES: name_to_handle_at is Linux's.</li>
 * </ul>
 * COPY_FILE_RANGE stays on: without the slot the kernel copies by reading and writing, as a
 * Windows CopyFile does.
 */
class PosixBehaviourIT {
    static final Set<PosixFeature> WINDOWS = EnumSet.of(PosixFeature.COPY_FILE_RANGE);

    @TempDir
    Path temp;
    private WinFspHost host;

    @BeforeEach
    void canMount() throws Exception {
        host = WinFspTestSupport.requireCanMount(temp.resolve("drives"));
    }

    @Test
    void ext4jThroughWinFspsAbiAnswersAsTheKernelDoes() throws Exception {
        PosixSuite.runAgainstKernel(WinFspTestSupport.mounter(host), WINDOWS, Files.createDirectory(temp.resolve("suite")));
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        PosixSuite.copyTreeDiffsEqual(WinFspTestSupport.mounter(host),
                Path.of("..", "core", "src").toAbsolutePath().normalize(), Files.createDirectory(temp.resolve("copy")));
    }
}
