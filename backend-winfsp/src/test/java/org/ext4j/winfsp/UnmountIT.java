package org.ext4j.winfsp;

import java.nio.file.Path;
import java.util.List;
import org.ext4j.core.testing.ServerEndSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a WinFsp mount ends: the drive being removed (here: the shim's drive unmounted from outside)
 * or Ctrl-C on the server (the shutdown hook tells WinFsp's loop to exit, which takes the drive
 * away); the core's server-end suite, with the exit codes a Windows service manager reads.
 */
class UnmountIT {
    @TempDir
    Path temp;

    @Test
    void removingTheDriveEndsTheServerWithEverythingWritten() throws Exception {
        ServerEndSuite.run(server(), false, temp);
    }

    @Test
    void ctrlCEndsTheServerWithEverythingWritten() throws Exception {
        ServerEndSuite.run(server(), true, temp);
    }

    private ServerEndSuite.Server server() throws Exception {
        Path drives = temp.resolve("drives");
        WinFspTestSupport.requireCanMount(drives);
        return new ServerEndSuite.Server(image -> List.of(WinFspMountMain.class.getName(), image.toString(),
                drives.toString(), "e:"), drives.resolve("E"), true);
    }
}
