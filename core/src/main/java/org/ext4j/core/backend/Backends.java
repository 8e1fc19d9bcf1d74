package org.ext4j.core.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.ext4j.core.host.HostOs;

/**
 * The backends this build has (found with {@link ServiceLoader}) and the choice among them:
 * {@code auto} is the one made for the OS (the lowlevel Linux backend on Linux, macFUSE on
 * macOS, libfuse3 on FreeBSD, WinFsp on Windows); a name picks that one. A choice that cannot
 * mount here is refused with one line that says why and what to install.
 */
public final class Backends {
    /** The name that means "the one made for this OS". */
    public static final String AUTO = "auto";

    private final List<Backend> backends;

    /** These backends (tests give their own). */
    public Backends(List<Backend> backends) {
        List<Backend> sorted = new ArrayList<>(backends);
        sorted.sort(Comparator.comparing(Backend::name));
        this.backends = List.copyOf(sorted);
    }

    /** Every backend the class path offers. */
    public static Backends discover() {
        return discover(Backends.class.getClassLoader());
    }

    /** Every backend {@code loader} offers through {@code META-INF/services/org.ext4j.core.backend.Backend}. */
    public static Backends discover(ClassLoader loader) {
        List<Backend> found = new ArrayList<>();
        ServiceLoader.load(Backend.class, loader).forEach(found::add);
        return new Backends(found);
    }

    /** All of them, by name. */
    public List<Backend> all() {
        return backends;
    }

    /** The backend called {@code name}, if this build has it. */
    public Optional<Backend> named(String name) {
        return backends.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The name of the backend made for {@code os}, whether or not this build has it. */
    public static String preferredName(HostOs os) {
        return switch (os) {
            case LINUX -> "linux";
            case MACOS -> "macfuse";
            case FREEBSD -> "fuse3";
            case WINDOWS -> "winfsp";
            case OTHER -> "fuse3";
        };
    }

    /** The backend {@code auto} chooses on {@code os}, if this build has it. */
    public Optional<Backend> auto(HostOs os) {
        return named(preferredName(os));
    }

    /**
     * The backend to mount with: {@code name}, or for {@link #AUTO} the one made for {@code os}.
     *
     * @throws BackendChoiceException one line: no such backend (and which there are), or why the
     *         backend cannot mount here and what to install
     */
    public Backend select(String name, HostOs os) throws BackendChoiceException {
        String wanted = name.equals(AUTO) ? preferredName(os) : name;
        Optional<Backend> backend = named(wanted);
        if (backend.isEmpty()) {
            if (name.equals(AUTO)) {
                throw new BackendChoiceException(AUTO, "no backend for " + os.displayName() + " in this build (the "
                        + wanted + " backend is not built yet); backends here: " + names() + " (see ext4j backends)");
            }
            throw new BackendChoiceException(name, "no such backend (backends here: " + names() + "; see ext4j backends)");
        }
        Backend b = backend.get();
        Availability a = b.availability();
        if (!a.available()) {
            throw new BackendChoiceException(b.name(), "unavailable: " + a.whyNot());
        }
        return b;
    }

    /** The backend serving the mount at {@code dir} from another process: the first available one that sees a mount there. */
    public Optional<Backend> servingMount(java.nio.file.Path dir) throws java.io.IOException {
        HostOs os = HostOs.current();
        List<Backend> order = new ArrayList<>(backends);
        // The OS's own backend first: it knows the OS's mount table best.
        order.sort(Comparator.comparing(b -> !b.name().equals(preferredName(os))));
        for (Backend b : order) {
            if (b.servesOn().contains(os) && b.availability().available() && b.isMounted(dir)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private String names() {
        return backends.isEmpty() ? "none" : backends.stream().map(Backend::name).collect(Collectors.joining(", "));
    }

    /** A backend choice that cannot be made, as one line: {@code WHAT: WHY}. */
    public static final class BackendChoiceException extends Exception {
        private final String what;
        private final String why;

        BackendChoiceException(String what, String why) {
            super(what + ": " + why);
            this.what = what;
            this.why = why;
        }

        /** What the line is about: the backend's name, or "auto". */
        public String what() {
            return what;
        }

        /** Why it cannot be used, with the fix. */
        public String why() {
            return why;
        }
    }
}
