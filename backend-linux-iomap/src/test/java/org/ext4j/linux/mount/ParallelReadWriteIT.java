package org.ext4j.linux.mount;

import java.nio.file.Path;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.testing.ParallelReadWriteSuite;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's parallel read/write suite on one ext4j mount with four reader threads. */
class ParallelReadWriteIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void concurrentWritersAndReadersSeeWholeFilesAndLeaveACleanImage() throws Exception {
        ParallelReadWriteSuite.run((image, dir) -> MountTestSupport.served(LinuxBackend.mount(image, dir,
                LinuxMountOptions.of(MountOptions.readWrite(image.toString())).withReaderThreads(4)), dir), temp);
    }
}
