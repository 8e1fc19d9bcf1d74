package org.ext4j.core.backend;

import java.nio.file.Path;
import java.util.Set;
import org.ext4j.core.host.HostOs;

/** A backend that never mounts, for choosing among backends; public with a no-argument constructor for ServiceLoader. */
public final class FakeBackend implements Backend {
    private final String name;
    private final Set<HostOs> servesOn;
    private final Availability availability;

    public FakeBackend() {
        this("fake", Set.of(HostOs.current()), Availability.available("nothing", "1.0"));
    }

    FakeBackend(String name, Set<HostOs> servesOn, Availability availability) {
        this.name = name;
        this.servesOn = servesOn;
        this.availability = availability;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "a backend for tests";
    }

    @Override
    public Set<HostOs> servesOn() {
        return servesOn;
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public MountHandle mount(Volume volume, Path mountpoint, MountOptions options) {
        throw new UnsupportedOperationException("the fake backend never mounts");
    }
}
