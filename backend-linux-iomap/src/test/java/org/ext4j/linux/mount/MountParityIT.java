package org.ext4j.linux.mount;

import java.nio.file.Path;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.ops.MountParitySuite;
import org.ext4j.linux.LinuxBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's mount parity suite on an ext4j FUSE mount (with allow_other): every operation FUSE forwards. */
class MountParityIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        MountTestSupport.assumeCanMount();
    }

    @Test
    void theSameOperationsGiveTheSameAnswersOnExt4jAndOnTheKernel() throws Exception {
        MountParitySuite.of("the ext4j mount", (image, dir) -> MountTestSupport.served(LinuxBackend.mount(image, dir,
                MountOptions.readWrite(image.toString()).withAllowOther(true)), dir)).run(temp, 20261124L);
    }
}
