package org.ext4j.dist;

import java.nio.file.Files;
import java.nio.file.Path;

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
     */
    public static ImagePath parse(String operand) {
        if (operand.isEmpty()) {
            throw new IllegalArgumentException("empty operand: expected IMAGE or IMAGE:PATH");
        }
        int abs = operand.indexOf(":/");
        if (abs > 0) {
            return new ImagePath(Path.of(operand.substring(0, abs)), operand.substring(abs + 1), true);
        }
        if (operand.endsWith(":") && operand.length() > 1) {
            return new ImagePath(Path.of(operand.substring(0, operand.length() - 1)), "/", true);
        }
        int colon = operand.lastIndexOf(':');
        if (colon <= 0 || Files.exists(Path.of(operand))) {
            return new ImagePath(Path.of(operand), "/", false);
        }
        return new ImagePath(Path.of(operand.substring(0, colon)), "/" + operand.substring(colon + 1), true);
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
