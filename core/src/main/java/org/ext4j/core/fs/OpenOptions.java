package org.ext4j.core.fs;

/**
 * How to open a filesystem.
 *
 * @param readOnly never write to the device; a dirty journal is replayed into memory only
 */
public record OpenOptions(boolean readOnly) {
    public static final OpenOptions READ_ONLY = new OpenOptions(true);
    public static final OpenOptions READ_WRITE = new OpenOptions(false);
}
