package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.fs.Ext4Volume;
import org.ext4j.core.fs.OpenOptions;

/** Opens an image read-only, turning the ways that fails into messages that say what to do. */
public final class ImageOpener {
    private ImageOpener() {
    }

    /**
     * Opens {@code image} read-only.
     *
     * @throws CommandFailure naming the image when it is missing, unreadable, not ext4 or damaged
     */
    public static Ext4Volume open(Path image) {
        String name = image.toString();
        if (!Files.exists(image)) {
            throw new CommandFailure(name, "no such image file (give the path of an ext4 image or block device)");
        }
        if (Files.isDirectory(image)) {
            throw new CommandFailure(name, "is a directory, not an image file");
        }
        if (!Files.isReadable(image)) {
            throw new CommandFailure(name, "permission denied (the image file is not readable by you)");
        }
        try {
            return Ext4Volume.open(image, OpenOptions.READ_ONLY);
        } catch (IOException | RuntimeException e) {
            throw CommandFailure.of(name, name, e);
        }
    }
}
