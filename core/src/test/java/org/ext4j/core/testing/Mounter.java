package org.ext4j.core.testing;

import java.nio.file.Path;

// What a backend gives the shared mount suites (PosixSuite): a way to mount an image as a filesystem the test can use with ordinary syscalls.
@FunctionalInterface
public interface Mounter {

    /** Whether the mount may change the image. */
    enum Access { READ_WRITE, READ_ONLY }

    /**
     * Mounts {@code image} on the existing empty directory {@code dir} and returns once the mount
     * answers. Closing the result unmounts and returns only when the server has written everything
     * and closed the image, and it must not leave the mount behind even when the unmount fails
     * (the suite checks the image with e2fsck and debugfs right after).
     */
    AutoCloseable mount(Path image, Path dir, Access access) throws Exception;
}
