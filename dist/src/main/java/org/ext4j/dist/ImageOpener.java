package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ext4j.core.fs.PosixFileSystem;
import org.ext4j.core.fs.OpenOptions;
import org.ext4j.core.host.ImageLock;

/** Opens an image (read-only, or for writing), turning the ways that fails into messages that say what to do. */
public final class ImageOpener {
    private ImageOpener() {
    }

    /**
     * Opens {@code image} read-only.
     *
     * @throws CommandFailure naming the image when it is missing, unreadable, not ext4 or damaged
     */
    public static PosixFileSystem open(Path image) {
        return open(image, OpenOptions.READ_ONLY);
    }

    /**
     * Opens {@code image} with {@code options} (read-only ones).
     *
     * @throws CommandFailure naming the image when it is missing, unreadable, not ext4 or damaged
     */
    public static PosixFileSystem open(Path image, OpenOptions options) {
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
            return PosixFileSystem.open(image, options);
        } catch (IOException | RuntimeException e) {
            throw CommandFailure.of(name, name, e);
        }
    }

    /**
     * Opens {@code image} for writing. A filesystem that came up read-only anyway (a feature
     * ext4j cannot write, errors recorded, a read-only file) is closed again and refused.
     *
     * @throws CommandFailure naming the image and why it cannot be written
     */
    public static PosixFileSystem openWritable(Path image) {
        return openWritable(image, OpenOptions.READ_WRITE);
    }

    /**
     * Takes the write lock of {@code image} ({@link ImageLock}): hold it, outside the volume,
     * for as long as the image is open for writing.
     *
     * @throws CommandFailure naming the image and the process that holds it
     */
    public static ImageLock lockForWriting(Path image) {
        if (!Files.exists(image)) {
            throw new CommandFailure(image.toString(), "no such image file (give the path of an ext4 image or block device)");
        }
        try {
            return ImageLock.acquire(image);
        } catch (IOException e) {
            String message = e.getMessage();
            String prefix = image + " ";
            throw new CommandFailure(image.toString(), message.startsWith(prefix) ? message.substring(prefix.length())
                    : message, e);
        }
    }

    /**
     * Opens {@code image} for writing with {@code options}; see {@link #openWritable(Path)}.
     *
     * @throws CommandFailure naming the image and why it cannot be written
     */
    public static PosixFileSystem openWritable(Path image, OpenOptions options) {
        String name = image.toString();
        if (!Files.exists(image)) {
            throw new CommandFailure(name, "no such image file (give the path of an ext4 image or block device)");
        }
        if (Files.isDirectory(image)) {
            throw new CommandFailure(name, "is a directory, not an image file");
        }
        if (!Files.isWritable(image)) {
            throw new CommandFailure(name, "permission denied (the image file is not writable by you)");
        }
        PosixFileSystem volume;
        try {
            volume = PosixFileSystem.open(image, options);
        } catch (IOException | RuntimeException e) {
            throw CommandFailure.of(name, name, e);
        }
        if (volume.isReadOnly()) {
            String reason = volume.readOnlyReason();
            try {
                volume.close();
            } catch (IOException e) {
                // The refusal below is what matters; a failed close of an unwritten volume changes nothing.
                reason = reason + "; closing it also failed: " + e.getMessage();
            }
            throw new CommandFailure(name, "cannot be written: the filesystem opened read-only ("
                    + (reason == null ? "no reason given" : reason) + ")");
        }
        return volume;
    }
}
