package org.ext4j.highlevel;

import java.nio.file.Path;
import org.ext4j.core.testing.ParallelReadWriteSuite;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's parallel read/write suite through libfuse's worker threads (eight at most). */
class ParallelReadWriteIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void concurrentWritersAndReadersSeeWholeFilesAndLeaveACleanImage() throws Exception {
        ParallelReadWriteSuite.run((image, dir) -> HighLevelMounts.served(HighLevelTestSupport.mount(image, dir,
                HighLevelOptions.readWrite(image.toString()).withMaxThreads(8)), dir), temp);
    }
}
