package org.ext4j.core.dir;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.ext4j.core.spi.FileType;

/**
 * One live entry of a directory as read from disk.
 *
 * @param ino      the inode the name refers to
 * @param name     the name bytes (1..255, no '/' or NUL); accessors and the constructor copy
 * @param fileType from the dirent's file_type byte with the filetype feature, otherwise
 *                 {@link FileType#UNKNOWN} (the caller must read the inode to learn it)
 * @param offset   the entry's position in the directory (logical block * block size + offset in
 *                 the block; for inline directories the kernel's inline readdir positions):
 *                 {@code readdir(offset)} resumes at the first entry whose position is
 *                 {@code >= offset}, so {@code offset + 1} continues right after this entry
 */
public record DirEntry(long ino, byte[] name, FileType fileType, long offset) {
    public DirEntry {
        name = Arrays.copyOf(name, name.length);
    }

    @Override
    public byte[] name() {
        return Arrays.copyOf(name, name.length);
    }

    /** The name decoded as UTF-8 (names are bytes on disk; invalid sequences are replaced). */
    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    /** Whether this entry's name is exactly {@code other}. */
    public boolean nameEquals(byte[] other) {
        return Arrays.equals(name, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry e && e.ino == ino && e.offset == offset && e.fileType == fileType
                && Arrays.equals(e.name, name);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(ino) * 31 + Arrays.hashCode(name) + Long.hashCode(offset) * 17;
    }

    @Override
    public String toString() {
        return "DirEntry[ino=" + ino + ", name=" + nameString() + ", type=" + fileType + ", offset=" + offset + "]";
    }
}
