package org.ext4j.dist;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.ext4j.core.host.HostOs;

/**
 * An scp-style operand {@code IMAGE:PATH}: an image file on the host and a path inside the
 * filesystem it holds.
 *
 * @param image    the image file (or block device) on the host
 * @param path     the absolute path inside the image ("/" when none was given)
 * @param explicit true when the operand named a path with ':' (false for a bare image)
 */
public record ImagePath(Path image, String path, boolean explicit) {

    /**
     * Splits an operand. Image file names may themselves contain ':', so the split is chosen
     * to keep the common cases unambiguous:
     * <ol>
     * <li>{@code IMG:/a/b} — split at the first ":/" (a path inside an image is absolute);</li>
     * <li>{@code IMG:} — the root directory;</li>
     * <li>no ':' at all, or the whole operand is an existing file — a bare image;</li>
     * <li>{@code IMG:a/b} — split at the last ':', the path taken relative to the root.</li>
     * </ol>
     * On Windows an image named with a drive letter ({@code C:\img\disk.img:/etc},
     * {@code C:/disk.img:/etc}) keeps its {@code C:}: the rules apply to what follows it.
     */
    public static ImagePath parse(String operand) {
        return parse(operand, HostOs.current());
    }

    /** {@link #parse(String)} with the path rules of {@code os} (drive letters on Windows only). */
    public static ImagePath parse(String operand, HostOs os) {
        if (operand.isEmpty()) {
            throw new IllegalArgumentException("empty operand: expected IMAGE or IMAGE:PATH");
        }
        // Where the image name may hold the first split colon: after a drive letter's "X:".
        int from = os == HostOs.WINDOWS && hasDriveLetter(operand) ? 2 : 0;
        int abs = operand.indexOf(":/", from);
        if (abs > 0) {
            return new ImagePath(Path.of(operand.substring(0, abs)), operand.substring(abs + 1), true);
        }
        if (operand.endsWith(":") && operand.length() > from + 1) {
            return new ImagePath(Path.of(operand.substring(0, operand.length() - 1)), "/", true);
        }
        int colon = operand.lastIndexOf(':');
        if (colon < Math.max(1, from) || isExistingFile(operand)) {
            return new ImagePath(Path.of(operand), "/", false);
        }
        return new ImagePath(Path.of(operand.substring(0, colon)), "/" + operand.substring(colon + 1), true);
    }

    /** "C:\..." or "C:/...": a drive letter and an absolute path on it. */
    private static boolean hasDriveLetter(String operand) {
        return operand.length() >= 3 && Character.isLetter(operand.charAt(0)) && operand.charAt(0) < 128
                && operand.charAt(1) == ':' && (operand.charAt(2) == '\\' || operand.charAt(2) == '/');
    }

    private static boolean isExistingFile(String operand) {
        try {
            return Files.exists(Path.of(operand));
        } catch (InvalidPathException e) {
            // Windows refuses ':' past the drive letter in a file name: it is a split, not a name.
            return false;
        }
    }

    /** The operand as the user would write it, for messages. */
    @Override
    public String toString() {
        return explicit ? image + ":" + path : image.toString();
    }

    /** The last name of the path ("/" for the root), what cp names a copy after. */
    public String baseName() {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        int slash = p.lastIndexOf('/');
        return slash < 0 ? p : p.length() == 1 ? "/" : p.substring(slash + 1);
    }
}
