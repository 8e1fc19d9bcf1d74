package org.ext4j.dist;

import org.ext4j.core.spi.FileType;

/** The ten-character mode column of {@code ls -l} and {@code stat}, e.g. "drwxr-sr-t". */
public final class ModeString {
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final int S_ISVTX = 01000;

    private ModeString() {
    }

    /** Renders {@code mode} (type and permission bits). */
    public static String of(int mode) {
        char[] c = new char[10];
        c[0] = typeChar(FileType.fromMode(mode));
        triplet(c, 1, mode >> 6, (mode & S_ISUID) != 0, 's');
        triplet(c, 4, mode >> 3, (mode & S_ISGID) != 0, 's');
        triplet(c, 7, mode, (mode & S_ISVTX) != 0, 't');
        return new String(c);
    }

    /** The letter ls shows for a file type. */
    public static char typeChar(FileType type) {
        switch (type) {
            case DIRECTORY:
                return 'd';
            case SYMLINK:
                return 'l';
            case CHAR_DEVICE:
                return 'c';
            case BLOCK_DEVICE:
                return 'b';
            case FIFO:
                return 'p';
            case SOCKET:
                return 's';
            case REGULAR:
                return '-';
            default:
                return '?';
        }
    }

    /** The words stat(1) uses for a file type. */
    public static String typeName(FileType type, long size) {
        switch (type) {
            case REGULAR:
                return size == 0 ? "regular empty file" : "regular file";
            case DIRECTORY:
                return "directory";
            case SYMLINK:
                return "symbolic link";
            case CHAR_DEVICE:
                return "character special file";
            case BLOCK_DEVICE:
                return "block special file";
            case FIFO:
                return "fifo";
            case SOCKET:
                return "socket";
            default:
                return "weird file";
        }
    }

    /** rwx for three bits, with the special bit shown in the x place (lower case when x is also set). */
    private static void triplet(char[] c, int at, int bits, boolean special, char specialChar) {
        c[at] = (bits & 4) != 0 ? 'r' : '-';
        c[at + 1] = (bits & 2) != 0 ? 'w' : '-';
        boolean x = (bits & 1) != 0;
        if (special) {
            c[at + 2] = x ? specialChar : Character.toUpperCase(specialChar);
        } else {
            c[at + 2] = x ? 'x' : '-';
        }
    }
}
