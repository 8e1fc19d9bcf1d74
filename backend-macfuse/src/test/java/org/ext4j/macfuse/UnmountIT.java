package org.ext4j.macfuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.ServerEndSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a macFUSE mount ends: by the system unmounting the volume (an eject; here umount(8) from
 * outside) or by Ctrl-C on the server; the core's server-end suite.
 */
class UnmountIT {
    @TempDir
    Path temp;

    @Test
    void anEjectEndsTheServerWithEverythingWritten() throws Exception {
        ServerEndSuite.run(server(), false, temp);
    }

    @Test
    void ctrlCEndsTheServerWithEverythingWritten() throws Exception {
        ServerEndSuite.run(server(), true, temp);
    }

    private ServerEndSuite.Server server() throws Exception {
        Path volumes = Files.createDirectory(temp.resolve("Volumes"));
        MacFuseTestSupport.requireCanMount(volumes);
        Path mnt = Files.createDirectory(volumes.resolve("DISK"));
        return new ServerEndSuite.Server(image -> List.of(MacFuseMountMain.class.getName(), image.toString(),
                mnt.toString(), volumes.toString()), mnt, false);
    }
}
