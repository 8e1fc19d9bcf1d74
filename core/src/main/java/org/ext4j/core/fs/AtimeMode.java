package org.ext4j.core.fs;

/**
 * When reading a file, listing a directory or reading a symbolic link updates its access time:
 * the kernel's noatime, relatime (its default) and strictatime mount options.
 */
public enum AtimeMode {
    /** Never. */
    NOATIME,
    /**
     * When the access time is not after the modification or change time, or is a day old or
     * more (relatime_need_update): one update per change is enough for tools that compare them.
     */
    RELATIME,
    /** On every access. */
    STRICTATIME
}
