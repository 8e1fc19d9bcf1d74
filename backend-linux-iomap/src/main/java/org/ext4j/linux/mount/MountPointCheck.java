package org.ext4j.linux.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Refuses mount points that would surprise: missing, not a directory, not empty, or already mounted on. */
final class MountPointCheck {
    private MountPointCheck() {
    }

    /** The canonical mount point path, after the checks. */
    static Path check(Path mountpoint, boolean allowNonEmpty) throws IOException {
        if (!Files.exists(mountpoint)) {
            throw new NoSuchFileException(mountpoint.toString(), null, "the mount point does not exist");
        }
        Path real = mountpoint.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotDirectoryException(real + ": the mount point is not a directory");
        }
        if (isMountPoint(real)) {
            throw new IOException(real + " is busy: something is already mounted there");
        }
        if (!allowNonEmpty) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(real)) {
                if (entries.iterator().hasNext()) {
                    throw new IOException(real + " is not empty (its entries would be hidden while mounted)");
                }
            }
        }
        return real;
    }

    /** True when /proc/self/mountinfo lists {@code dir} as a mount point. */
    static boolean isMountPoint(Path dir) throws IOException {
        String target = dir.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                return true;
            }
        }
        return false;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String field) {
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 4 <= field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
