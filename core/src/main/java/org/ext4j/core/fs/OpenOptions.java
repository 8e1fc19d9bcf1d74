package org.ext4j.core.fs;

import java.time.Duration;

/**
 * How to open a filesystem.
 *
 * @param readOnly       never write to the device; a dirty journal is replayed into memory only
 * @param commitInterval how long committed operations may wait in the running transaction before
 *                       it is written (the kernel's commit= mount option, 5 s by default); zero
 *                       leaves writing to sync, fsync, size limits and close
 */
public record OpenOptions(boolean readOnly, Duration commitInterval) {
    /** The kernel's default commit interval (JBD2_DEFAULT_MAX_COMMIT_AGE). */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(5);
    public static final OpenOptions READ_ONLY = new OpenOptions(true, DEFAULT_COMMIT_INTERVAL);
    public static final OpenOptions READ_WRITE = new OpenOptions(false, DEFAULT_COMMIT_INTERVAL);

    public OpenOptions {
        if (commitInterval == null || commitInterval.isNegative()) {
            throw new IllegalArgumentException("the commit interval must be zero or positive");
        }
    }

    /** These options with another commit interval. */
    public OpenOptions withCommitInterval(Duration interval) {
        return new OpenOptions(readOnly, interval);
    }
}
