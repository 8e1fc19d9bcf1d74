package org.ext4j.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.ext4j.core.host.HostOs;

/**
 * A way to put a volume behind the operating system's VFS (FUSE on Linux, FreeBSD and macOS,
 * WinFsp on Windows). Implementations are found with {@link java.util.ServiceLoader}: a module
 * that offers one lists its class in {@code META-INF/services/org.ext4j.core.backend.Backend}
 * and needs nothing else; the command chooses among them with {@link Backends}. An
 * implementation has a public no-argument constructor and does nothing native before
 * {@link #availability()} or {@link #mount} is called, because every backend in the jar is loaded
 * on every OS.
 */
public interface Backend {
    /** The name users give to {@code --backend}: "linux", "fuse3". */
    String name();

    /** One line on what it is: "FUSE kernel protocol over /dev/fuse, spoken directly". */
    String description();

    /** The operating systems it serves. */
    Set<HostOs> servesOn();

    /**
     * Whether it can mount here: the library or device it needs, found or not, where, in which
     * version, and what to install when it is missing. May probe the system (load a library,
     * stat a device); cheap enough to ask once per command.
     */
    Availability availability();

    /**
     * Why this backend cannot honour {@code option}, or empty when it can. The parser refuses an
     * option with a reason by its name instead of ignoring it.
     */
    default Optional<String> refusal(MountOption option) {
        return option == MountOption.IO_URING
                ? Optional.of("FUSE over io_uring is a transport of the Linux kernel's FUSE, which this backend does not speak")
                : Optional.empty();
    }

    /**
     * Mounts {@code volume} on {@code mountpoint} and returns once the mount is usable. The mount
     * takes ownership of the volume (its filesystem and lock); on failure nothing stays mounted
     * and the volume is left to the caller.
     *
     * @param options parsed for this backend, so without options it refuses
     * @throws IOException one line saying what failed and what to do
     */
    MountHandle mount(Volume volume, Path mountpoint, MountOptions options) throws IOException;

    /**
     * The mount point the user wrote as this backend reads it: a path, by default. A backend with
     * mount points of its own (WinFsp's drive letters, and {@code *} for the first free one, which
     * it picks here so that the command can say which) returns them in a form its
     * {@link #mount} and {@link #isMounted} take.
     *
     * @throws IOException when {@code text} names no mount point this backend can use now
     */
    default Path mountPoint(String text) throws IOException {
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException(text + ": not a path here (" + e.getReason() + ")");
        }
    }

    /**
     * True when {@code dir} is a mount point now (another process may serve it). The default
     * compares the device of {@code dir} with its parent's, which any POSIX system answers.
     */
    default boolean isMounted(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.isDirectory(dir)) {
            return false;
        }
        try {
            return !Files.getAttribute(dir, "unix:dev").equals(Files.getAttribute(parent, "unix:dev"));
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Unmounts a mount this backend made in another process ({@code ext4j umount}); its server
     * then writes out and exits. {@code lazy}: detach now, finish when the last user leaves.
     *
     * @throws IOException when it is busy, not mounted, or this backend cannot do it from outside
     */
    default void unmount(Path mountpoint, boolean lazy) throws IOException {
        throw new IOException("the " + name() + " backend cannot unmount " + mountpoint
                + " from another process; stop its server (Ctrl-C, or kill its pid)");
    }

    /** What the mount command tells the user about ending a foreground mount on {@code mountpoint}. */
    default String howToUnmount(Path mountpoint) {
        return "unmount with 'ext4j umount " + mountpoint + "' or Ctrl-C";
    }

    /**
     * {@code mount -o remount,...} of a live mount of this backend; returns how it is mounted
     * afterwards ("read-only" or "read-write").
     *
     * @throws IOException naming what was refused, or that this backend cannot remount
     */
    default String remount(Path mountpoint, List<String> options) throws IOException {
        throw new IOException("the " + name() + " backend cannot remount a live mount");
    }
}
