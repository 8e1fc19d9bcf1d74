package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.ext4j.core.backend.Availability;
import org.ext4j.core.backend.Backend;
import org.ext4j.core.backend.MountHandle;
import org.ext4j.core.backend.MountOptions;
import org.ext4j.core.backend.Volume;
import org.ext4j.core.host.HostOs;

/**
 * A backend registered only on the test class path (its own META-INF/services entry beside the
 * real ones) whose library is never there: what {@code ext4j backends} and {@code --backend}
 * show for a backend that cannot run.
 */
public final class AbsentBackend implements Backend {
    static final String NAME = "absent";
    static final String REASON = "libabsent.so.1 not found";
    static final String FIX = "apt install libabsent1";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a test backend whose library is missing";
    }

    @Override
    public Set<HostOs> servesOn() {
        return Set.of(HostOs.LINUX, HostOs.FREEBSD);
    }

    @Override
    public Availability availability() {
        return Availability.unavailable(REASON, FIX, "libabsent.so.1 in /usr/lib");
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException {
        throw new IOException("the absent backend was asked to mount although it is unavailable");
    }
}
