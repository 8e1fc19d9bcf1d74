package org.ext4j.highlevel;

import java.nio.file.Path;
import org.ext4j.core.ops.MountParitySuite;
import org.ext4j.core.ops.OpKind;
import org.ext4j.highlevel.testing.HighLevelMounts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's mount parity suite through libfuse3's high-level API (with allow_other). */
class MountParityIT {
    @TempDir
    Path temp;

    @BeforeAll
    static void canMount() {
        HighLevelTestSupport.requireCanMount();
    }

    @Test
    void theSameOperationsGiveTheSameAnswersThroughLibfuseAndOnTheKernel() throws Exception {
        MountParitySuite.of("the fuse3 mount", (image, dir) -> HighLevelMounts.served(HighLevelTestSupport.mount(image,
                dir, HighLevelOptions.readWrite(image.toString()).withAllowOther(true)), dir))
                .leavingOut(OpKind.TMPFILE, "libfuse's high-level API has no tmpfile operation (3.14 and 3.17 alike; only"
                        + " the low-level one has), so the kernel gets ENOSYS and answers EOPNOTSUPP")
                .run(temp, 20261124L);
    }
}
