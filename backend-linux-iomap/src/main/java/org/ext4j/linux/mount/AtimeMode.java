package org.ext4j.linux.mount;

/**
 * When reading a file updates its access time, as the kernel's noatime / relatime / strictatime
 * mount options choose. The kernel's default is {@link #RELATIME}.
 */
public enum AtimeMode {
    /** Never update atime on read. */
    NOATIME,
    /** Update atime when it is older than mtime or ctime, or more than a day old. */
    RELATIME,
    /** Update atime on every read. */
    STRICTATIME;

    /** The mount option that selects this mode. */
    public String optionName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
