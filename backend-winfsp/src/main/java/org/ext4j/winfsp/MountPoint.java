package org.ext4j.winfsp;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Where WinFsp mounts a volume, as a Windows user writes it: a drive letter ({@code X:},
 * {@code x:}, {@code X:\}, {@code \\.\X:}), {@code *} for the first free letter, or a directory,
 * which must not exist yet (WinFsp makes it for the mount and removes it afterwards).
 */
public sealed interface MountPoint {

    /** A drive letter, upper case. */
    record Drive(char letter) implements MountPoint {
        public Drive {
            if (letter < 'A' || letter > 'Z') {
                throw new IllegalArgumentException("a drive letter is A to Z, not " + letter);
            }
        }

        @Override
        public String forWinFsp() {
            return letter + ":";
        }
    }

    /** The first drive letter not in use, as WinFsp's own {@code *} picks it: from Z: down to D:. */
    record AnyDrive() implements MountPoint {
        @Override
        public String forWinFsp() {
            return "*";
        }

        /**
         * The letter {@code *} means now, given the letters in use.
         *
         * @throws IllegalStateException when Z: to D: are all taken
         */
        public Drive pick(Set<Character> used) {
            for (char c = 'Z'; c >= 'D'; c--) {
                if (!used.contains(c)) {
                    return new Drive(c);
                }
            }
            throw new IllegalStateException("no free drive letter from D: to Z:");
        }
    }

    /** A directory that does not exist yet. */
    record Directory(Path path) implements MountPoint {
        @Override
        public String forWinFsp() {
            return path.toString();
        }
    }

    /** What WinFsp's fuse3_mount is given. */
    String forWinFsp();

    /**
     * Reads a mount point: {@code X:}, {@code x:}, {@code X:\} and {@code X:/} (the root of the
     * drive is the drive), {@code \\.\X:} and {@code \\?\X:}, {@code *}; anything else is a directory.
     */
    static MountPoint parse(String text) {
        String t = text.strip();
        if (t.equals("*")) {
            return new AnyDrive();
        }
        String s = t;
        if (s.startsWith("\\\\.\\") || s.startsWith("\\\\?\\")) {
            s = s.substring(4);
        }
        boolean letter = s.length() >= 2 && Character.isLetter(s.charAt(0)) && s.charAt(0) < 128 && s.charAt(1) == ':';
        if (letter && (s.length() == 2 || s.length() == 3 && (s.charAt(2) == '\\' || s.charAt(2) == '/'))) {
            return new Drive(s.toUpperCase(Locale.ROOT).charAt(0));
        }
        if (t.isEmpty()) {
            throw new IllegalArgumentException("no mount point given (a drive letter such as X:, * or a directory)");
        }
        return new Directory(Path.of(t));
    }
}
