package org.ext4j.highlevel;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.ext4j.core.testing.PosixFeature;
import org.ext4j.core.testing.PosixSuite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared POSIX behaviour suite ({@link PosixSuite}) through libfuse3's high-level API, with
 * every feature group the Linux kernel forwards to a FUSE filesystem and the high-level API can serve.
 */
class PosixBehaviourIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    /**
     * Every group but FILE_HANDLES: libfuse's high-level API hands the kernel node ids of its own,
     * dropped when the kernel forgets the inode and numbered anew at every mount, so a file
     * handle (nodeid and generation) outlives neither, where ext4's names the inode for good.
     */
    @Test
    void ext4jThroughLibfuseAnswersAsTheKernelDoes() throws Exception {
        Set<PosixFeature> supported = EnumSet.allOf(PosixFeature.class);
        supported.remove(PosixFeature.FILE_HANDLES);
        PosixSuite.runAgainstKernel(HighLevelTestSupport.MOUNTER, supported, temp);
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        PosixSuite.copyTreeDiffsEqual(HighLevelTestSupport.MOUNTER,
                Path.of("..", "core", "src").toAbsolutePath().normalize(), temp);
    }
}
