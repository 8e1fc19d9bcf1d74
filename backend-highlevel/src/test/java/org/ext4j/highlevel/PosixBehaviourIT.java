package org.ext4j.highlevel;

import java.nio.file.Path;
import org.ext4j.core.testing.PosixSuite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared POSIX behaviour suite ({@link PosixSuite}) through libfuse3's high-level API, with
 * every feature group the Linux kernel forwards to a FUSE filesystem.
 */
class PosixBehaviourIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void ext4jThroughLibfuseAnswersAsTheKernelDoes() throws Exception {
        PosixSuite.runAgainstKernel(HighLevelTestSupport.MOUNTER, temp);
    }

    @Test
    void copyOfASourceTreeDiffsEqual() throws Exception {
        PosixSuite.copyTreeDiffsEqual(HighLevelTestSupport.MOUNTER,
                Path.of("..", "core", "src").toAbsolutePath().normalize(), temp);
    }
}
