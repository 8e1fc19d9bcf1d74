package org.ext4j.macfuse;

import java.nio.file.Path;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.highlevel.HighLevelMount;

/**
 * A server process for {@link UnmountIT}: mounts IMAGE on MOUNTPOINT through the shim with
 * macFUSE's FSKit defaults (VOLUMES is the /Volumes stand-in), prints "mounted", and serves until
 * the mount goes away or the process is told to stop (Ctrl-C: the mount's shutdown hook).
 */
public final class MacFuseMountMain {
    private MacFuseMountMain() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        Path mountpoint = Path.of(args[1]);
        Path volumes = Path.of(args[2]);
        MacFuseOptions options = MacFuseTestSupport.fskitAsMacUser(image, mountpoint.getFileName().toString());
        HighLevelMount mount = MacFuseBackend.mount(PosixFileSystem.open(image, OpenOptions.READ_WRITE), mountpoint, options,
                Shim.host(volumes), System.err);
        System.out.println("mounted");
        System.out.flush();
        mount.awaitExit();
        System.out.println("closed");
    }
}
