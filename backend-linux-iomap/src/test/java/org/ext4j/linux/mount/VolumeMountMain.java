package org.ext4j.linux.mount;

import java.nio.file.Path;
import org.ext4j.linux.LinuxBackend;
import org.ext4j.core.backend.MountOptions;

/** A process that mounts the ext4 image {@code args[0]} read-write on {@code args[1]} and serves it until unmounted or signalled. */
public final class VolumeMountMain {
    private VolumeMountMain() {
    }

    public static void main(String[] args) throws Exception {
        FuseMount mount = LinuxBackend.mount(Path.of(args[0]), Path.of(args[1]), MountOptions.readWrite(args[0]));
        System.out.println("mounted");
        System.out.flush();
        mount.waitUntilUnmounted();
    }
}
