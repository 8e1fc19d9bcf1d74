package org.ext4j.dist;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.ext4j.core.spi.CorruptionException;
import org.ext4j.core.spi.Errno;
import org.ext4j.core.spi.Ext4Exception;

/**
 * A command failed on one operand: what it was working on and why, worded for the user. Printed
 * as one line {@code ext4j: <command>: <what>: <why>} by {@link Main}.
 */
public final class CommandFailure extends RuntimeException {
    private final String what;
    private final String why;

    public CommandFailure(String what, String why) {
        this(what, why, null);
    }

    public CommandFailure(String what, String why, Throwable cause) {
        super(what + ": " + why, cause);
        this.what = what;
        this.why = why;
    }

    public String what() {
        return what;
    }

    public String why() {
        return why;
    }

    /**
     * Words a failure on {@code what} inside image {@code image}: corruption points at e2fsck,
     * the errnos a path lookup ends in get their strerror text alone, everything else keeps the
     * core's explanation.
     */
    public static CommandFailure of(String what, String image, Throwable e) {
        if (e instanceof CommandFailure f) {
            return f;
        }
        return new CommandFailure(what, explain(image, e), e);
    }

    /** The user-facing reason for {@code e}. */
    static String explain(String image, Throwable e) {
        if (e instanceof CorruptionException) {
            return "the image is corrupted: " + e.getMessage() + " (run e2fsck -f " + image + ")";
        }
        if (e instanceof Ext4Exception x) {
            Errno errno = x.errno();
            String text = ErrnoText.of(errno);
            switch (errno) {
                case ENOENT:
                case ENOTDIR:
                case EISDIR:
                case ELOOP:
                case EACCES:
                case ENAMETOOLONG:
                    return text;
                case ENOSYS:
                    return text + " (" + x.getMessage() + "; this part of ext4j is still being written)";
                default:
                    return x.getMessage() == null ? text : text + " (" + x.getMessage() + ")";
            }
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file on the host: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied on the host: " + a.getFile();
        }
        if (e instanceof FileAlreadyExistsException a) {
            return "already exists on the host: " + a.getFile();
        }
        if (e instanceof NotDirectoryException a) {
            return "not a directory on the host: " + a.getFile();
        }
        if (e instanceof IOException) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return "internal error: " + e + " (please report it; rerun with --debug for details)";
    }
}
