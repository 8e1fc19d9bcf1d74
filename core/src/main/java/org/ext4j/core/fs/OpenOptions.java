package org.ext4j.core.fs;

import java.time.Duration;
import org.ext4j.core.view.FsErrors;

/**
 * How to open a filesystem.
 *
 * @param readOnly       never write to the device; a dirty journal is replayed into memory only
 * @param commitInterval how long committed operations may wait in the running transaction before
 *                       it is written (the kernel's commit= mount option, 5 s by default); zero
 *                       leaves writing to sync, fsync, size limits and close
 * @param atimeMode      when reads update access times ({@link AtimeMode#RELATIME} by default,
 *                       as the kernel mounts); a read-only open never updates them
 * @param noDirAtime     listing a directory never updates its access time (the nodiratime mount
 *                       option); files still follow {@code atimeMode}
 * @param errors         what finding damage does to writes (the errors= mount option); null
 *                       takes the superblock's s_errors, as the kernel does
 */
public record OpenOptions(boolean readOnly, Duration commitInterval, AtimeMode atimeMode, boolean noDirAtime,
                          FsErrors.Behaviour errors) {
    /** The kernel's default commit interval (JBD2_DEFAULT_MAX_COMMIT_AGE). */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(5);
    public static final OpenOptions READ_ONLY = new OpenOptions(true, DEFAULT_COMMIT_INTERVAL, AtimeMode.RELATIME, false, null);
    public static final OpenOptions READ_WRITE = new OpenOptions(false, DEFAULT_COMMIT_INTERVAL, AtimeMode.RELATIME, false, null);

    public OpenOptions {
        if (commitInterval == null || commitInterval.isNegative()) {
            throw new IllegalArgumentException("the commit interval must be zero or positive");
        }
        if (atimeMode == null) {
            throw new IllegalArgumentException("the atime mode is required");
        }
    }

    /** These options with another commit interval. */
    public OpenOptions withCommitInterval(Duration interval) {
        return new OpenOptions(readOnly, interval, atimeMode, noDirAtime, errors);
    }

    /** These options with another atime mode. */
    public OpenOptions withAtimeMode(AtimeMode mode) {
        return new OpenOptions(readOnly, commitInterval, mode, noDirAtime, errors);
    }

    /** These options with directory access times kept ({@code true}: nodiratime) or not. */
    public OpenOptions withNoDirAtime(boolean keep) {
        return new OpenOptions(readOnly, commitInterval, atimeMode, keep, errors);
    }

    /** These options with another errors= behaviour (null: the superblock's). */
    public OpenOptions withErrors(FsErrors.Behaviour behaviour) {
        return new OpenOptions(readOnly, commitInterval, atimeMode, noDirAtime, behaviour);
    }
}
