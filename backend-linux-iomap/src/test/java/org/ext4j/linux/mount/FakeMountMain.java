package org.ext4j.linux.mount;

import java.nio.file.Path;
import org.ext4j.linux.dispatch.FakeFileSystem;
import org.ext4j.core.backend.MountOptions;

/** A process that mounts {@link FakeFileSystem} on its argument and serves it until unmounted or signalled. */
public final class FakeMountMain {
    private FakeMountMain() {
    }

    public static void main(String[] args) throws Exception {
        FakeFileSystem fs = new FakeFileSystem() {
            @Override
            public synchronized void close() {
                super.close();
                System.out.println("closed");
                System.out.flush();
            }
        };
        FuseMount mount = FuseMount.mount(fs, Path.of(args[0]), MountOptions.readOnly("fake-child"));
        System.out.println("mounted");
        System.out.flush();
        mount.waitUntilUnmounted();
    }
}
