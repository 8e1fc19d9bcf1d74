package org.ext4j.core.backend;

/**
 * Whether a backend can mount on this system, and if not, why and what to do about it.
 *
 * @param available whether {@link Backend#mount} can work here
 * @param reason    why not (null when available), one clause: "libfuse3.so.3 not found"
 * @param fix       what the user can do about it (null when available or when nothing can be
 *                  done here): "apt install fuse3"
 * @param library   what the backend uses or looked for, and where: "/dev/fuse",
 *                  "libfuse3.so.3 in the dynamic linker's path"
 * @param version   the version of what it found ("3.14.0", "Linux 6.18.0"); null when unknown
 */
public record Availability(boolean available, String reason, String fix, String library, String version) {

    public Availability {
        if (available == (reason != null)) {
            throw new IllegalArgumentException(available ? "an available backend has no reason" : "a reason is required");
        }
        if (library == null || library.isEmpty()) {
            throw new IllegalArgumentException("say what the backend uses or looked for");
        }
    }

    /** Usable: {@code library} (and its {@code version}, may be null) were found. */
    public static Availability available(String library, String version) {
        return new Availability(true, null, null, library, version);
    }

    /** Not usable because of {@code reason}; {@code fix} says what to do (may be null); {@code lookedFor} what was missing where. */
    public static Availability unavailable(String reason, String fix, String lookedFor) {
        return new Availability(false, reason, fix, lookedFor, null);
    }

    /** The reason with its fix, as one line: "libfuse3.so.3 not found; apt install fuse3". */
    public String whyNot() {
        if (available) {
            return "";
        }
        return fix == null ? reason : reason + "; " + fix;
    }
}
