package org.ext4j.winfsp;

import java.nio.file.Path;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.highlevel.HighLevelMount;

/**
 * A server process for {@link UnmountIT}: mounts IMAGE on drive LETTER through the shim (DRIVES
 * holds the drive directories) with Windows' defaults, prints "mounted", and serves until the
 * drive goes away or the process is told to stop (Ctrl-C: the mount's shutdown hook).
 */
public final class WinFspMountMain {
    private WinFspMountMain() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        Path drives = Path.of(args[1]);
        MountPoint letter = MountPoint.parse(args[2]);
        WinFspHost host = Shim.host(drives, WinFspTestSupport.WINDOWS_UID, WinFspTestSupport.WINDOWS_GID);
        HighLevelMount mount = WinFspBackend.mount(PosixFileSystem.open(image, OpenOptions.READ_WRITE), letter,
                WinFspOptions.defaults(image.toString(), "DISK"), host, System.err);
        System.out.println("mounted");
        System.out.flush();
        mount.awaitExit();
        System.out.println("closed");
    }
}
