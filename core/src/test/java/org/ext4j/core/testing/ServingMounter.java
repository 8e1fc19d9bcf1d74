package org.ext4j.core.testing;

import java.nio.file.Path;

// What a backend gives the shared suites that end a mount as a user does, with umount(8) from outside (ParallelReadWriteSuite, MountParitySuite).
@FunctionalInterface
public interface ServingMounter {

    /** Mounts {@code image} read-write on the existing directory {@code dir} and returns once the mount answers. */
    Served mount(Path image, Path dir) throws Exception;

    /** One step of ending a mount. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** A {@link Served} made of its two steps. */
    static Served served(Step awaitEnd, Step unmountForSure) {
        return new Served() {
            @Override
            public void awaitEnd() throws Exception {
                awaitEnd.run();
            }

            @Override
            public void unmountForSure() throws Exception {
                unmountForSure.run();
            }
        };
    }

    /** A mount its server is serving. */
    interface Served {
        /**
         * After umount(8) from outside: returns once the server has seen the unmount, written
         * everything and closed the image.
         */
        void awaitEnd() throws Exception;

        /**
         * The last resort, also after a failure: unmounts through the backend's API, then lazily
         * with umount(8) if the mount point is still mounted.
         */
        void unmountForSure() throws Exception;
    }
}
