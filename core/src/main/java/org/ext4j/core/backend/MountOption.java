package org.ext4j.core.backend;

/**
 * The mount options of the shared vocabulary that a backend may be unable to honour, each with
 * the name users write. The options fstab and mount(8) add for every filesystem (defaults,
 * nofail, x-*, ...) and those that restate what every ext4j mount does (nosuid, nodev,
 * default_permissions) are not here: they mean nothing to a backend.
 */
public enum MountOption {
    RO("ro"),
    RW("rw"),
    ALLOW_OTHER("allow_other"),
    NONEMPTY("nonempty"),
    NOEXEC("noexec"),
    EXEC("exec"),
    NOATIME("noatime"),
    RELATIME("relatime"),
    ATIME("atime"),
    STRICTATIME("strictatime"),
    NODIRATIME("nodiratime"),
    DIRATIME("diratime"),
    FSNAME("fsname"),
    UID("uid"),
    GID("gid"),
    COMMIT("commit"),
    ERRORS("errors"),
    /** The FUSE transport; only the Linux backend has a choice. */
    IO_URING("io_uring");

    private final String optionName;

    MountOption(String optionName) {
        this.optionName = optionName;
    }

    /** The name as written after {@code -o}, without any {@code =VALUE}. */
    public String optionName() {
        return optionName;
    }
}
