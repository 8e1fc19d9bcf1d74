package org.ext4j.core.spi;

import java.nio.charset.StandardCharsets;

/**
 * One name in a directory listing.
 *
 * @param nextOffset the readdir cookie that resumes the listing right after this entry; it stays
 *                   valid while the directory changes (entries are neither repeated nor skipped
 *                   unless they are themselves added or removed)
 */
public record DirectoryEntry(long ino, byte[] name, FileType type, long nextOffset) {
    /** The name decoded as UTF-8 (names are bytes on disk; invalid sequences are replaced). */
    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }
}
